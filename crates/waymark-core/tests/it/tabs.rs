//! One user, several tabs: each tab's engine merges what the others stored, as the agent
//! does on a `storage` event and before each write.

use expect_test::expect;
use waymark_core::{Input, UserState};

use crate::harness::Sim;
use crate::steps::TOUR;

/// The tour on `/app`, and a one-card note on `/elsewhere`.
fn guides() -> String {
    let note = r#"{ "id": "note", "name": "Note", "audience": { "urls": [{ "prefix": "/elsewhere" }] },
        "steps": [{ "id": "only", "kind": "modal", "title": "Note" }] }"#;
    format!("[{TOUR}, {note}]")
}

/// `localStorage` as the tabs share it.
#[derive(Default)]
struct Storage(UserState);

/// A tab: its engine and the stored state as it last read or wrote it.
struct Tab {
    sim: Sim,
    base: UserState,
}

impl Tab {
    /// A page load: the engine starts from what is stored.
    fn open(storage: &Storage, session: &str) -> Tab {
        Tab { sim: Sim::with_state(&guides(), storage.0.clone(), session), base: storage.0.clone() }
    }

    /// A `storage` event: another tab wrote.
    fn hear(&mut self, storage: &Storage) {
        if storage.0 != self.base {
            let input =
                Input::Stored { base: Box::new(self.base.clone()), theirs: Box::new(storage.0.clone()) };
            self.sim.input(input);
            self.base = storage.0.clone();
        }
    }

    /// A write after a drive: what another tab wrote since is merged in first.
    fn store(&mut self, storage: &mut Storage) {
        self.hear(storage);
        storage.0 = self.sim.engine.state().clone();
        self.base = storage.0.clone();
    }
}

#[test]
fn a_guide_dismissed_in_one_tab_closes_quietly_in_the_other_and_stays_dismissed() {
    let mut storage = Storage::default();
    // Two tabs opened together: both show the tour.
    let (mut a, mut b) = (Tab::open(&storage, "s1"), Tab::open(&storage, "s2"));
    a.sim.page("/app");
    a.store(&mut storage);
    b.sim.page("/app");
    b.store(&mut storage);
    a.hear(&storage);
    assert_eq!(storage.0.guides.get("tour").map(|r| r.starts), Some(2), "both starts are counted");
    a.sim.advance(3_000);
    a.sim.escape();
    a.store(&mut storage);
    b.sim.log();
    b.sim.advance(1_000);
    b.hear(&storage);
    expect![[r#"
        1.0s    hide tour/hello
    "#]]
    .assert_eq(&b.sim.log());
    b.store(&mut storage);
    assert_eq!(storage.0.active, None, "nothing is left to resume");
    assert!(storage.0.guides.get("tour").is_some_and(|r| r.dismissed.is_some()), "{:?}", storage.0);

    let mut c = Tab::open(&storage, "s3");
    c.sim.page("/app");
    expect![[r#"
        0.0s    event page_view /app
    "#]]
    .assert_eq(&c.sim.log());
}

#[test]
fn a_tab_that_missed_another_tabs_progress_never_writes_over_it() {
    let mut storage = Storage::default();
    let (mut a, mut b) = (Tab::open(&storage, "s1"), Tab::open(&storage, "s2"));
    b.sim.page("/elsewhere");
    b.store(&mut storage);
    a.sim.page("/app");
    a.sim.press("Next");
    a.sim.set("#menu", true);
    a.sim.click("#menu");
    a.store(&mut storage);
    // `b` finishes its note before it hears of that: the tour's start and the run in
    // progress stay, and so does the note.
    b.sim.press("Done");
    b.store(&mut storage);
    let run = storage.0.active.as_ref().map(|r| (r.guide.as_str(), r.step));
    assert_eq!(run, Some(("tour", 2)), "{:?}", storage.0);
    let starts = |id: &str| storage.0.guides.get(id).map(|r| (r.starts, r.completed.is_some()));
    assert_eq!((starts("tour"), starts("note")), (Some((1, false)), Some((1, true))));
    // And `b`, now that it knows, does not start the tour a second time.
    b.sim.log();
    b.sim.page("/app");
    expect![[r#"
        0.0s    event page_view /app
    "#]]
    .assert_eq(&b.sim.log());
    // A reload of `a` resumes its run where it was.
    let mut a = Tab::open(&storage, "s1");
    a.sim.set("#name", true);
    a.sim.page("/app");
    assert_eq!(a.sim.shown.as_ref().map(|v| v.step.as_str()), Some("name"));
}
