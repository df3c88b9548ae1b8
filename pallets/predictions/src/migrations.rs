//! Storage migrations of the pallet.

use crate::{draw::DrawQueueOf, *};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

mod unversioned {
	use super::*;

	/// Fills [`PendingSeats`] (new in storage version 1) with the seats of the requests
	/// awaiting their draw: at an upgrade from version 0 the draw queue holds at most that
	/// runtime's `MaxPendingDraws` requests (256 on ModelChain), so this is bounded.
	pub struct CountPendingSeats<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for CountPendingSeats<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut entries, mut seats) = (0u64, 0u32);
			for entry in DrawQueueOf::<T>::entries() {
				entries = entries.saturating_add(1);
				if let Some(request) = Requests::<T>::get(entry.request) {
					seats = seats.saturating_add(request.redundancy);
				}
			}
			PendingSeats::<T>::put(seats);
			// The bounds, then an entry and its request each.
			T::DbWeight::get().reads_writes(entries.saturating_mul(2).saturating_add(1), 1)
		}
	}
}

/// Storage version 0 to 1: [`PendingSeats`] counted from the draw queue.
pub type MigrateToV1<T> = VersionedMigration<
	0,
	1,
	unversioned::CountPendingSeats<T>,
	Pallet<T>,
	<T as polkadot_sdk::frame_system::Config>::DbWeight,
>;
