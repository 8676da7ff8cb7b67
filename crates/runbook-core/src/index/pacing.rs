//! Keeping the indexer's queue short.
//!
//! tantivy queues up to 10,000 batches for its indexing threads, and each batch here is a whole
//! runbook. The files are read and parsed faster than they are indexed, so on a large folder the
//! queue filled with ten thousand runbooks' documents: a 100,000-runbook build peaked at 639 MB,
//! most of it waiting documents. A [`Pace`] lets only so many runbooks be on their way: the
//! writer takes a [`Slot`] before handing over a runbook, and the slot rides along on its last
//! document ([`PacedDocument`]), so it is given back when the indexing thread has indexed that
//! document and drops it.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use tantivy::TantivyDocument;
use tantivy::schema::document::Document;

/// Runbooks handed to the indexing threads and not yet indexed, at most: enough to keep every
/// indexing thread busy between two reads, few enough that waiting documents cost little memory.
pub(super) const RUNBOOKS_IN_FLIGHT: usize = 256;

/// How long the writer waits for a slot before handing the runbook over anyway: an indexing
/// thread that stopped (a failed write) would otherwise never give its slots back. tantivy then
/// reports the failure on the next call.
const LONGEST_WAIT: Duration = Duration::from_secs(5);

/// Counts the runbooks on their way to the indexing threads.
#[derive(Debug)]
pub(super) struct Pace {
    in_flight: Mutex<usize>,
    freed: Condvar,
    limit: usize,
}

impl Pace {
    pub(super) fn new(limit: usize) -> Arc<Pace> {
        Arc::new(Pace {
            in_flight: Mutex::new(0),
            freed: Condvar::new(),
            limit: limit.max(1),
        })
    }

    /// A slot for one more runbook, once fewer than the limit are on their way (or after
    /// [`LONGEST_WAIT`]).
    pub(super) fn slot(self: &Arc<Pace>) -> Slot {
        let in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (mut in_flight, _) = self
            .freed
            .wait_timeout_while(in_flight, LONGEST_WAIT, |n| *n >= self.limit)
            .unwrap_or_else(PoisonError::into_inner);
        *in_flight += 1;
        Slot(Arc::clone(self))
    }

    /// Runbooks on their way now.
    #[cfg(test)]
    pub(super) fn in_flight(&self) -> usize {
        *self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One runbook's place in the queue; given back when dropped.
#[derive(Debug)]
pub(super) struct Slot(Arc<Pace>);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut in_flight = self
            .0
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *in_flight = in_flight.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// A document as the writer hands it over, carrying its runbook's [`Slot`] when it is the
/// runbook's last.
#[derive(Debug)]
pub(super) struct PacedDocument {
    doc: TantivyDocument,
    _slot: Option<Slot>,
}

impl PacedDocument {
    pub(super) fn new(doc: TantivyDocument, slot: Option<Slot>) -> PacedDocument {
        PacedDocument { doc, _slot: slot }
    }
}

impl Document for PacedDocument {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }

    fn into_tantivy_document(self) -> TantivyDocument {
        self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_given_back_when_its_document_is_dropped() {
        let pace = Pace::new(2);
        let first = PacedDocument::new(TantivyDocument::default(), Some(pace.slot()));
        let second = PacedDocument::new(TantivyDocument::default(), Some(pace.slot()));
        assert_eq!(pace.in_flight(), 2);
        drop(first);
        assert_eq!(pace.in_flight(), 1);
        drop(second);
        assert_eq!(pace.in_flight(), 0);
    }

    #[test]
    fn the_writer_waits_while_the_queue_is_full_and_goes_on_when_a_runbook_is_indexed() {
        let pace = Pace::new(1);
        let held = pace.slot();
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiting = {
            let pace = Arc::clone(&pace);
            std::thread::spawn(move || {
                let slot = pace.slot();
                sender.send(()).ok();
                slot
            })
        };
        // The second slot is not given while the first is held...
        assert!(
            receiver.recv_timeout(Duration::from_millis(200)).is_err(),
            "a slot was given beyond the limit"
        );
        // ...and is, once the first runbook has been indexed.
        drop(held);
        assert!(receiver.recv_timeout(LONGEST_WAIT).is_ok());
        let second = waiting.join().expect("the waiting writer");
        assert_eq!(pace.in_flight(), 1);
        drop(second);
        assert_eq!(pace.in_flight(), 0);
    }

    #[test]
    fn a_document_keeps_its_fields() {
        let (_, fields) = crate::index::schema::build();
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.path, "billing.md");
        let paced = PacedDocument::new(doc, None);
        assert_eq!(paced.iter_fields_and_values().count(), 1);
        assert_eq!(paced.into_tantivy_document().len(), 1);
    }
}
