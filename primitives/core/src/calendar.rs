//! A calendar of deadlines in storage, written once for every ModelChain pallet.
//!
//! [`crate::queue::StorageQueue`] serves items that fall due in the order they were pushed.
//! Items whose deadlines are chosen by users (a bounty's phase lengths) fall due in any order;
//! they go in this calendar instead: each is scheduled at its block, and a block hook
//! processes every block up to the current one in block order, a bounded number of entries a
//! block (an empty block examined counts as one), the rest in the next block. So a deadline is
//! enforced at its block, or as soon after as the per-block work allows; nothing is ever
//! dropped, and no block does more than its budget.
//!
//! The calendar is two storage items the pallet declares itself (so they appear in its
//! metadata with its docs): a `StorageDoubleMap<_, Twox64Concat, BlockNumber, Twox64Concat,
//! Key, (), OptionQuery>` of entries and a `StorageValue<_, CalendarState<BlockNumber>,
//! ValueQuery>`.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, FullCodec, MaxEncodedLen};
use core::marker::PhantomData;
use polkadot_sdk::{
	frame_support::storage::{IterableStorageDoubleMap, StorageDoubleMap, StorageValue},
	sp_runtime::traits::{One, Saturating},
};
use scale_info::TypeInfo;

/// Where a [`Calendar`] stands: the first block not fully processed, and how many entries
/// are scheduled.
#[derive(
	Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, Copy, PartialEq, Eq, Debug, Default,
)]
pub struct CalendarState<BlockNumber> {
	/// Every entry before this block has been processed.
	pub next: BlockNumber,
	/// Entries scheduled and not yet processed or removed.
	pub scheduled: u32,
}

/// A calendar of `Key`s by block over the entry map `Entries` and the state value `State`.
pub struct Calendar<BlockNumber, Key, Entries, State>(PhantomData<(BlockNumber, Key, Entries, State)>);

impl<BlockNumber, Key, Entries, State> Calendar<BlockNumber, Key, Entries, State>
where
	BlockNumber: FullCodec + Copy + Ord + Saturating + One,
	Key: FullCodec,
	Entries:
		StorageDoubleMap<BlockNumber, Key, (), Query = Option<()>> + IterableStorageDoubleMap<BlockNumber, Key, ()>,
	State: StorageValue<CalendarState<BlockNumber>, Query = CalendarState<BlockNumber>>,
{
	/// Schedules `key` at block `at`, or at the first unprocessed block if `at` is earlier;
	/// returns the block it was scheduled at. Scheduling the same key twice at one block
	/// keeps one entry.
	pub fn schedule(at: BlockNumber, key: Key) -> BlockNumber {
		let mut state = State::get();
		let at = at.max(state.next);
		if !Entries::contains_key(at, &key) {
			Entries::insert(at, &key, ());
			state.scheduled = state.scheduled.saturating_add(1);
			State::put(state);
		}
		at
	}

	/// Removes `key`'s entry at block `at` (its item ended before its deadline); returns
	/// whether there was one.
	pub fn unschedule(at: BlockNumber, key: &Key) -> bool {
		if Entries::take(at, key).is_none() {
			return false;
		}
		State::mutate(|s| s.scheduled = s.scheduled.saturating_sub(1));
		true
	}

	/// Hands the entries of every block up to `now` to `handle`, in block order, removing
	/// each first, until `max` units of work are done: one per entry handed over, one per
	/// examination that finds a block empty (which moves on to the next block; an entry
	/// `handle` schedules at the block in hand is never skipped). `handle` may schedule new entries (at later blocks). Returns
	/// the units spent on entries and on empty blocks.
	pub fn process(now: BlockNumber, max: u32, mut handle: impl FnMut(BlockNumber, Key)) -> (u32, u32) {
		let (mut entries, mut empty) = (0u32, 0u32);
		let mut state = State::get();
		if state.scheduled == 0 {
			// Nothing to examine: jump ahead instead of walking empty blocks.
			state.next = state.next.max(now.saturating_add(One::one()));
			State::put(state);
			return (0, 0);
		}
		while state.next <= now && entries.saturating_add(empty) < max {
			let budget = max.saturating_sub(entries.saturating_add(empty));
			let due: Vec<Key> = Entries::iter_key_prefix(state.next).take(budget as usize).collect();
			if due.is_empty() {
				empty = empty.saturating_add(1);
				state.next = state.next.saturating_add(One::one());
				State::put(state);
				if state.scheduled == 0 {
					state.next = state.next.max(now.saturating_add(One::one()));
					State::put(state);
					break;
				}
				continue;
			}
			for key in due {
				Entries::remove(state.next, &key);
				state.scheduled = state.scheduled.saturating_sub(1);
				State::put(state);
				entries = entries.saturating_add(1);
				handle(state.next, key);
				// `handle` may have scheduled more.
				state = State::get();
			}
		}
		(entries, empty)
	}

	/// Whether the stored state matches the entries (for `try_state`; reads them all).
	pub fn check() -> Result<(), &'static str> {
		let state = State::get();
		let mut count = 0u32;
		for (block, _, ()) in Entries::iter() {
			if block < state.next {
				return Err("calendar entry before the first unprocessed block");
			}
			count = count.saturating_add(1);
		}
		if count != state.scheduled {
			return Err("calendar entry count differs from its state");
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
	type Entries = StorageDoubleMap<Test, Twox64Concat, u32, Twox64Concat, u64, ()>;
	#[storage_alias]
	type State = StorageValue<Test, CalendarState<u32>, ValueQuery>;
	type Cal = Calendar<u32, u64, Entries, State>;

	fn run(now: u32, max: u32) -> (Vec<(u32, u64)>, (u32, u32)) {
		let mut seen = Vec::new();
		let spent = Cal::process(now, max, |block, key| seen.push((block, key)));
		(seen, spent)
	}

	#[test]
	fn processes_due_entries_in_block_order_within_the_budget() {
		TestExternalities::default().execute_with(|| {
			assert_eq!(run(3, 10), (vec![], (0, 0)));
			assert_eq!(State::get().next, 4, "an empty calendar jumps ahead");
			for (at, key) in [(9, 1), (5, 2), (5, 3), (7, 4)] {
				assert_eq!(Cal::schedule(at, key), at);
			}
			assert_eq!(Cal::schedule(5, 2), 5, "scheduling twice keeps one entry");
			assert_eq!(Cal::schedule(1, 5), 4, "the past becomes the first unprocessed block");
			assert_eq!(State::get().scheduled, 5);
			assert_eq!(Cal::check(), Ok(()));
			// Block 5, two units: block 4's entry, then the check that block 4 is done.
			assert_eq!(run(5, 2), (vec![(4, 5)], (1, 1)));
			// Block 6: both entries of block 5, block 5 done, block 6 empty.
			let (seen, spent) = run(6, 10);
			assert_eq!(seen.iter().map(|(block, _)| *block).collect::<Vec<_>>(), vec![5, 5]);
			assert_eq!(spent, (2, 2));
			assert!(Cal::unschedule(7, &4));
			assert!(!Cal::unschedule(7, &4));
			// Block 9, one unit a block: empty block 7, then 8, then key 1 at block 9.
			assert_eq!(run(9, 1), (vec![], (0, 1)));
			assert_eq!(run(9, 1), (vec![], (0, 1)));
			assert_eq!(run(9, 1), (vec![(9, 1)], (1, 0)));
			assert_eq!(State::get(), CalendarState { next: 9, scheduled: 0 });
			assert_eq!(run(12, 5), (vec![], (0, 0)));
			assert_eq!(State::get().next, 13);
			assert_eq!(Cal::check(), Ok(()));
		});
	}

	#[test]
	fn handlers_may_reschedule_and_nothing_is_dropped() {
		TestExternalities::default().execute_with(|| {
			for key in 0..20 {
				Cal::schedule(2, key);
			}
			let mut seen = Vec::new();
			for now in 2..=20 {
				let (entries, empty) = Cal::process(now, 4, |_, key| {
					seen.push(key);
					if key % 2 == 0 && key < 10 {
						Cal::schedule(now + 1, key + 100);
					}
				});
				assert!(entries + empty <= 4, "a block does at most its budget");
				assert_eq!(Cal::check(), Ok(()));
			}
			seen.sort();
			let mut expected: Vec<u64> = (0..20).chain([100, 102, 104, 106, 108]).collect();
			expected.sort();
			assert_eq!(seen, expected);
		});
	}

	#[test]
	fn check_catches_a_wrong_count() {
		TestExternalities::default().execute_with(|| {
			Cal::schedule(3, 1);
			State::mutate(|s| s.scheduled = 2);
			assert!(Cal::check().is_err());
		});
	}
}
