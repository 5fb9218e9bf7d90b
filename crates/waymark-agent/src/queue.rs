//! The durable queue of undelivered events: IndexedDB (the host owns the `localStorage`
//! quota), one database per write key, shared by every tab of the origin.
//!
//! Store `events` holds `{k, e, t}` records (auto-incremented key, the event's JSON, the
//! id of the tab that wrote it) oldest first; store `meta` holds `dropped`, how many events
//! the caps pushed out and no batch has reported yet. The caps are enforced by whoever
//! loads the queue to send it, in the same transaction, so concurrent tabs agree.
//!
//! Operations that must keep their order against others (append, remove, clear) create
//! their transaction when called and return a future for the outcome: IndexedDB runs
//! read-write transactions on the same stores in the order they were created.

use std::future::Future;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

/// At most this many events are kept; the oldest go first.
pub(crate) const MAX_QUEUED: usize = 1_000;
/// At most this many bytes of event JSON are kept; the oldest go first.
pub(crate) const MAX_QUEUED_BYTES: usize = 1536 * 1024;

const EVENTS: &str = "events";
const META: &str = "meta";
const DROPPED: &str = "dropped";

/// One queued event as read back.
pub(crate) struct Stored {
    /// Its key in the store (increasing in the order events were written).
    pub(crate) key: f64,
    /// The event's JSON.
    pub(crate) json: String,
}

/// An open queue database.
pub(crate) struct Store {
    db: IdbDatabase,
}

/// Resolves on the request's `success`, rejects on its `error`.
fn on_success(req: &IdbRequest) -> Promise {
    Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    })
}

/// The request's result; the handlers are set now, the future waits.
fn result(req: IdbRequest) -> impl Future<Output = Result<JsValue, JsValue>> {
    let done = JsFuture::from(on_success(&req));
    async move {
        done.await?;
        req.result()
    }
}

/// Resolves when the transaction committed, rejects when it failed or was aborted.
fn committed(tx: &IdbTransaction) -> JsFuture {
    JsFuture::from(Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    }))
}

fn get(v: &JsValue, field: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED)
}

fn count(v: &JsValue) -> u32 {
    v.as_f64().map_or(0, |n| n as u32)
}

impl Store {
    /// Opens (creating on first use) the queue of write key `key`.
    pub(crate) async fn open(key: &str) -> Result<Store, JsValue> {
        let factory = web_sys::window()
            .ok_or(JsValue::NULL)?
            .indexed_db()?
            .ok_or_else(|| JsValue::from_str("no IndexedDB"))?;
        let req = factory.open_with_u32(&format!("waymark:{key}"), 1)?;
        let created = req.clone();
        let upgrade = Closure::once(move || -> Result<(), JsValue> {
            let db: IdbDatabase = created.result()?.dyn_into()?;
            let params = web_sys::IdbObjectStoreParameters::new();
            params.set_auto_increment(true);
            params.set_key_path(&JsValue::from_str("k"));
            db.create_object_store_with_optional_parameters(EVENTS, &params)?;
            db.create_object_store(META)?;
            Ok(())
        });
        req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let opened = on_success(&req);
        // Blocked by another tab's connection: fall back rather than wait forever.
        let blocked = Promise::new(&mut |_, reject| req.set_onblocked(Some(&reject)));
        JsFuture::from(Promise::race(&Array::of2(&opened, &blocked))).await?;
        drop(upgrade);
        Ok(Store { db: req.result()?.dyn_into()? })
    }

    fn transaction(&self) -> Result<(IdbTransaction, IdbObjectStore, IdbObjectStore), JsValue> {
        let tx = self.db.transaction_with_str_sequence_and_mode(
            &Array::of2(&EVENTS.into(), &META.into()),
            IdbTransactionMode::Readwrite,
        )?;
        let events = tx.object_store(EVENTS)?;
        let meta = tx.object_store(META)?;
        Ok((tx, events, meta))
    }

    /// Appends an event written by tab `tab`; the future gives its key once committed.
    pub(crate) fn append(
        &self,
        json: &str,
        tab: &str,
    ) -> Result<impl Future<Output = Result<f64, JsValue>> + 'static, JsValue> {
        let (tx, events, _) = self.transaction()?;
        let record = Object::new();
        Reflect::set(&record, &"e".into(), &json.into())?;
        Reflect::set(&record, &"t".into(), &tab.into())?;
        let added = result(events.add(&record)?);
        let done = committed(&tx);
        Ok(async move {
            let key = added.await?;
            done.await?;
            key.as_f64().ok_or(key)
        })
    }

    /// Enforces the caps (oldest out first, counted in `dropped`), then reads the queue
    /// oldest first (only tab `own`'s events when given) and the `dropped` count.
    pub(crate) async fn load(&self, own: Option<&str>) -> Result<(Vec<Stored>, u32), JsValue> {
        let (tx, events, meta) = self.transaction()?;
        let done = committed(&tx);
        let all = result(events.get_all()?);
        let dropped = result(meta.get(&DROPPED.into())?);
        let all: Array = all.await?.dyn_into()?;
        let mut dropped = count(&dropped.await?);
        let mut records: Vec<(f64, String, JsValue)> = all
            .iter()
            .filter_map(|r| Some((get(&r, "k").as_f64()?, get(&r, "e").as_string()?, get(&r, "t"))))
            .collect();
        let mut bytes: usize = records.iter().map(|r| r.1.len()).sum();
        let mut over = 0;
        while records.len() - over > MAX_QUEUED || bytes > MAX_QUEUED_BYTES {
            let Some((key, json, _)) = records.get(over) else { break };
            events.delete(&JsValue::from_f64(*key))?;
            bytes -= json.len();
            over += 1;
        }
        if over > 0 {
            dropped += over as u32;
            meta.put_with_key(&JsValue::from(dropped), &DROPPED.into())?;
            records.drain(..over);
        }
        done.await?;
        let mine = |t: &JsValue| own.is_none_or(|own| t.as_string().as_deref() == Some(own));
        let queued =
            records.into_iter().filter(|r| mine(&r.2)).map(|(key, json, _)| Stored { key, json }).collect();
        Ok((queued, dropped))
    }

    /// Removes delivered (or refused) events and adds `dropped` (negative once a batch
    /// reported that many) to the `dropped` count.
    pub(crate) fn remove(
        &self,
        keys: &[f64],
        dropped: i64,
    ) -> Result<impl Future<Output = Result<(), JsValue>> + 'static, JsValue> {
        let (tx, events, meta) = self.transaction()?;
        for key in keys {
            events.delete(&JsValue::from_f64(*key))?;
        }
        let done = committed(&tx);
        let before = (dropped != 0).then(|| meta.get(&DROPPED.into()).map(result)).transpose()?;
        Ok(async move {
            if let Some(before) = before {
                let now = (i64::from(count(&before.await?)) + dropped).max(0);
                meta.put_with_key(&JsValue::from_f64(now as f64), &DROPPED.into())?;
            }
            done.await.map(drop)
        })
    }

    /// Empties the queue and forgets the `dropped` count.
    pub(crate) fn clear(&self) -> Result<impl Future<Output = Result<(), JsValue>> + 'static, JsValue> {
        let (tx, events, meta) = self.transaction()?;
        events.clear()?;
        meta.clear()?;
        let done = committed(&tx);
        Ok(async move { done.await.map(drop) })
    }
}
