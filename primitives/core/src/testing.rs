//! Helpers every pallet's mock runtime shares (std only, for tests).

use alloc::vec::Vec;
use polkadot_sdk::{
	frame_system,
	sp_runtime::traits::{One, Saturating},
};

type BlockNumberOf<T> = frame_system::pallet_prelude::BlockNumberFor<T>;

/// Advances block by block to `n`, calling `each` with every new block number after setting
/// it (a pallet's `on_initialize`, its `try_state`, ...).
pub fn run_to_block<T: frame_system::Config>(n: BlockNumberOf<T>, mut each: impl FnMut(BlockNumberOf<T>)) {
	while frame_system::Pallet::<T>::block_number() < n {
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(next);
		each(next);
	}
}

/// The events `select` picks out of the runtime's events so far (one pallet's), oldest first.
pub fn events<T: frame_system::Config, E>(
	select: impl Fn(<T as frame_system::Config>::RuntimeEvent) -> Option<E>,
) -> Vec<E> {
	frame_system::Pallet::<T>::events().into_iter().filter_map(|record| select(record.event)).collect()
}
