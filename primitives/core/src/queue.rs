//! A first-in, first-out queue in storage, written once for every ModelChain pallet.
//!
//! Pallets that must act on many items at a later block (apply a slash, expire a request,
//! prune a result, close a bounty phase) push an entry when the item is created and process
//! the queue's head in a block hook, a bounded number a block, the rest in the next block.
//! Entries must be pushed in the order they fall due (each pallet pushes entries due a
//! constant delay after the push, or at a later block than the last push), so processing can
//! stop at the first entry that is not due. An entry whose item has gone in the meantime is
//! simply skipped by the caller: removal from the middle never happens.
//!
//! The queue is two storage items the pallet declares itself (so they appear in its metadata
//! with its docs): a `StorageMap<_, Twox64Concat, u64, Entry, OptionQuery>` of entries and a
//! `StorageValue<_, QueueBounds, ValueQuery>` with its head and tail.

use codec::{Decode, DecodeWithMemTracking, Encode, FullCodec, MaxEncodedLen};
use core::marker::PhantomData;
use polkadot_sdk::frame_support::storage::{StorageMap, StorageValue};
use scale_info::TypeInfo;

/// Head and tail of a [`StorageQueue`]: `head` is the index of the oldest unprocessed
/// entry, `tail` the index the next entry gets.
#[derive(
	Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug, Default,
)]
pub struct QueueBounds {
	/// Index of the oldest unprocessed entry.
	pub head: u64,
	/// Index the next entry gets.
	pub tail: u64,
}

/// A FIFO queue over the entry map `Entries` and the bounds value `Bounds`.
pub struct StorageQueue<Entry, Entries, Bounds>(PhantomData<(Entry, Entries, Bounds)>);

impl<Entry, Entries, Bounds> StorageQueue<Entry, Entries, Bounds>
where
	Entry: FullCodec,
	Entries: StorageMap<u64, Entry, Query = Option<Entry>>,
	Bounds: StorageValue<QueueBounds, Query = QueueBounds>,
{
	/// Appends `entry`; returns its index.
	pub fn push(entry: Entry) -> u64 {
		let mut bounds = Bounds::get();
		let index = bounds.tail;
		Entries::insert(index, entry);
		bounds.tail = bounds.tail.saturating_add(1);
		Bounds::put(bounds);
		index
	}

	/// Appends `entries` in order, writing the bounds once (a batch of requests pushes many).
	pub fn push_all(entries: impl IntoIterator<Item = Entry>) {
		let mut bounds = Bounds::get();
		for entry in entries {
			Entries::insert(bounds.tail, entry);
			bounds.tail = bounds.tail.saturating_add(1);
		}
		Bounds::put(bounds);
	}

	/// Number of entries not yet processed.
	pub fn len() -> u64 {
		let bounds = Bounds::get();
		bounds.tail.saturating_sub(bounds.head)
	}

	/// Whether every entry has been processed.
	pub fn is_empty() -> bool {
		Self::len() == 0
	}

	/// Removes entries from the head while they are due (`is_due`) and `max` have not been
	/// handed to `handle` yet, handing each to `handle`; returns how many were handled.
	/// `handle` returns whether the entry did real work; entries that did not (their item was
	/// already gone) are counted separately in the second value, so callers can weigh them
	/// at the cheaper rate. Both together never exceed `max`.
	pub fn process(
		max: u32,
		mut is_due: impl FnMut(&Entry) -> bool,
		mut handle: impl FnMut(Entry) -> bool,
	) -> (u32, u32) {
		let mut bounds = Bounds::get();
		let (mut worked, mut skipped) = (0u32, 0u32);
		while bounds.head < bounds.tail && worked.saturating_add(skipped) < max {
			let Some(entry) = Entries::get(bounds.head) else {
				bounds.head = bounds.head.saturating_add(1);
				continue;
			};
			if !is_due(&entry) {
				break;
			}
			Entries::remove(bounds.head);
			bounds.head = bounds.head.saturating_add(1);
			if handle(entry) {
				worked = worked.saturating_add(1);
			} else {
				skipped = skipped.saturating_add(1);
			}
		}
		Bounds::put(bounds);
		(worked, skipped)
	}

	/// The entries not yet processed, oldest first (for `try_state` and tests; reads them all).
	pub fn entries() -> impl Iterator<Item = Entry> {
		let bounds = Bounds::get();
		(bounds.head..bounds.tail).filter_map(|index| Entries::get(index))
	}

	/// Whether the stored bounds are consistent: head not past tail, nothing stored outside
	/// `head..tail` at the two edges. For `try_state`.
	pub fn check() -> Result<(), &'static str> {
		let bounds = Bounds::get();
		if bounds.head > bounds.tail {
			return Err("queue head past its tail");
		}
		if Entries::contains_key(bounds.tail) {
			return Err("queue entry stored at its tail index");
		}
		if bounds.head > 0 && Entries::contains_key(bounds.head.saturating_sub(1)) {
			return Err("processed queue entry still stored");
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::{
		frame_support::{pallet_prelude::ValueQuery, storage_alias, Twox64Concat},
		sp_io::TestExternalities,
	};

	#[storage_alias]
	type Entries = StorageMap<Test, Twox64Concat, u64, (u32, u64)>;
	#[storage_alias]
	type Bounds = StorageValue<Test, QueueBounds, ValueQuery>;
	type Queue = StorageQueue<(u32, u64), Entries, Bounds>;

	#[test]
	fn processes_due_entries_in_order_a_bounded_number_at_a_time() {
		TestExternalities::default().execute_with(|| {
			// (item, due block)
			for (item, due) in [(1, 5), (2, 5), (3, 6), (4, 9)] {
				Queue::push((item, due));
			}
			assert_eq!(Queue::len(), 4);
			assert_eq!(Queue::check(), Ok(()));
			let mut seen = Vec::new();
			// Block 5, at most 1 a block: item 1 only.
			let done = Queue::process(
				1,
				|(_, due)| *due <= 5,
				|(item, _)| {
					seen.push(item);
					true
				},
			);
			assert_eq!((done, seen.clone()), ((1, 0), vec![1]));
			// Block 6, at most 10: items 2 and 3; item 3 reports it had nothing to do.
			let done = Queue::process(
				10,
				|(_, due)| *due <= 6,
				|(item, _)| {
					seen.push(item);
					item != 3
				},
			);
			assert_eq!((done, seen.clone()), ((1, 1), vec![1, 2, 3]));
			// Not due yet: nothing happens.
			assert_eq!(Queue::process(10, |(_, due)| *due <= 8, |_| true), (0, 0));
			assert_eq!(Queue::entries().collect::<Vec<_>>(), vec![(4, 9)]);
			assert_eq!(Queue::process(10, |_| true, |_| true), (1, 0));
			assert!(Queue::is_empty());
			assert_eq!(Queue::check(), Ok(()));
			assert_eq!(Bounds::get(), QueueBounds { head: 4, tail: 4 });
		});
	}

	#[test]
	fn check_catches_inconsistent_bounds() {
		TestExternalities::default().execute_with(|| {
			Queue::push((1, 1));
			Bounds::put(QueueBounds { head: 2, tail: 1 });
			assert!(Queue::check().is_err());
			Bounds::put(QueueBounds { head: 0, tail: 0 });
			assert!(Queue::check().is_err(), "an entry stored at the tail index");
		});
	}
}
