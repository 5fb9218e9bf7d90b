// The guides the benchmark serves at the script tag's data-guides URL (guide format v1,
// guides/schema.json).

const BODY = 'This is where you manage this part of the app. Click Next to continue.';

/** The 5-step tour every library shows: a tooltip on each of #t1..#t5, Next to advance. */
export function tourGuides(steps = 5) {
  return [
    {
      id: 'bench-tour',
      name: 'Benchmark tour',
      trigger: { on: 'page_load' },
      frequency: { mode: 'always' },
      steps: Array.from({ length: steps }, (_, k) => ({
        id: `s${k + 1}`,
        kind: 'tooltip',
        target: { selector: `#t${k + 1}` },
        placement: 'bottom',
        title: `Step ${k + 1}`,
        body: BODY,
        advance: { on: 'next' },
      })),
    },
  ];
}

// Selectors in the shapes real guides use (ids, feature classes, attributes, descendant
// chains over the host page's own classes) that never match anything on the host pages.
function neverMatching(i) {
  const shapes = [
    `#promo-banner-${i}`,
    `.upgrade-modal.plan-${i} .cta-button`,
    `section.panel[data-section="x${i}"] button.export-csv`,
    `[data-feature="beta-${i}"]`,
    `.nav-list .nav-item.new-${i} > a`,
    `div.card .list .list-item .badge-unread-${i}`,
    `main.content .panel .row .col .card button.btn-upgrade-${i}`,
    `form.form .field input[name="coupon-${i}"]`,
  ];
  return shapes[i % shapes.length];
}

/** `watchers` guides started by `element_appears` on selectors that never match, and one
    page_load guide whose tooltip (on #t1) stays shown: the agent watches every selector on
    every frame with DOM changes. */
export function watchGuides(watchers) {
  const guides = [];
  for (let i = 0; i < watchers; i++) {
    guides.push({
      id: `watch-${i}`,
      name: `Appears ${i}`,
      trigger: { on: 'element_appears', selector: neverMatching(i) },
      frequency: { mode: 'always' },
      steps: [{ id: 's1', kind: 'modal', title: `Watcher ${i}`, body: BODY }],
    });
  }
  guides.push({
    id: 'bench-shown',
    name: 'Shown while mutating',
    trigger: { on: 'page_load' },
    frequency: { mode: 'always' },
    steps: [
      { id: 's1', kind: 'tooltip', target: { selector: '#t1' }, placement: 'bottom', title: 'Step 1', body: BODY, advance: { on: 'next' } },
      { id: 's2', kind: 'tooltip', target: { selector: '#t2' }, placement: 'bottom', title: 'Step 2', body: BODY, advance: { on: 'next' } },
    ],
  });
  return guides;
}
