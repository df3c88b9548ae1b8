//! Block hooks: applying due slashes, configuration checks and state invariants.

use crate::*;
use frame_support::{defensive, traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Applies the slashes scheduled for block `now`. The bucket holds at most
	/// `MaxSlashesPerBlock`, which bounds the work.
	pub(crate) fn do_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let Some(due) = SlashSchedule::<T>::take(now) else {
			return T::WeightInfo::apply_slashes(0);
		};
		let count = due.len() as u32;
		for slash_id in due {
			match PendingSlashes::<T>::take(slash_id) {
				Some(slash) => {
					Self::apply_slash(slash_id, slash, true);
				}
				None => {
					defensive!("a scheduled slash is pending until applied or cancelled");
				}
			}
		}
		T::WeightInfo::apply_slashes(count)
	}

	/// Checks the relations between the configuration constants.
	pub(crate) fn do_integrity_test() {
		let unbonding = T::UnbondingPeriod::get();
		let window = T::LongestOffenceWindow::get();
		let defer = T::SlashDeferDuration::get();
		// An offence proven at the end of its window must be slashed while the offender's
		// unbonding stake is still held, or unbonding right after misbehaving would escape it.
		assert!(
			unbonding > window.saturating_add(defer),
			"UnbondingPeriod ({unbonding:?}) must exceed LongestOffenceWindow ({window:?}) + \
			 SlashDeferDuration ({defer:?})"
		);
		assert!(!T::MinBond::get().is_zero(), "MinBond must be non-zero");
		assert!(T::MinWorkerBond::get() >= T::MinBond::get(), "MinWorkerBond must be >= MinBond");
		assert!(T::MaxWorkers::get() > 0, "MaxWorkers must be non-zero");
		assert!(T::MaxUnbondingChunks::get() > 0, "MaxUnbondingChunks must be non-zero");
		assert!(T::MaxSlashesPerBlock::get() > 0, "MaxSlashesPerBlock must be non-zero");
	}

	/// Checks that the pallet's storage is consistent with itself and with the holds.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{BTreeMap, BTreeSet};
		use frame_support::{ensure, traits::fungible::hold::Inspect};

		let reason = HoldReason::Staking.into();
		let mut staked = BalanceOf::<T>::zero();
		let mut pending_per_account = BTreeMap::<T::AccountId, u32>::new();
		for (who, ledger) in Ledger::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&reason, &who) == ledger.total(),
				"staking hold differs from the ledger's active + unbonding"
			);
			ensure!(!ledger.is_dead(), "an empty ledger without pending slashes is kept");
			ensure!(ledger.unbonding.iter().all(|chunk| !chunk.value.is_zero()), "empty unbonding chunk");
			staked = staked.saturating_add(ledger.total());
			if ledger.pending_slashes > 0 {
				pending_per_account.insert(who, ledger.pending_slashes);
			}
		}
		ensure!(TotalStaked::<T>::get() == staked, "TotalStaked differs from the sum of ledgers");

		let workers = ActiveWorkers::<T>::get();
		let distinct: BTreeSet<_> = workers.iter().collect();
		ensure!(distinct.len() == workers.len(), "duplicate in ActiveWorkers");
		ensure!(
			Workers::<T>::iter_keys().count() == workers.len(),
			"Workers map and ActiveWorkers list differ in size"
		);
		for who in workers.iter() {
			ensure!(Workers::<T>::contains_key(who), "listed worker missing from Workers");
			ensure!(WorkerRecords::<T>::contains_key(who), "worker without a record");
			let active = Ledger::<T>::get(who).map_or_else(Zero::zero, |ledger| ledger.active);
			ensure!(active >= T::MinWorkerBond::get(), "worker below MinWorkerBond");
		}

		let now = frame_system::Pallet::<T>::block_number();
		let next_id = NextSlashId::<T>::get();
		let mut scheduled = BTreeSet::new();
		for (at, bucket) in SlashSchedule::<T>::iter() {
			ensure!(at > now, "a slash bucket was not applied in its block");
			ensure!(!bucket.is_empty(), "empty slash bucket kept");
			for slash_id in bucket {
				ensure!(scheduled.insert(slash_id), "slash scheduled twice");
				let slash = PendingSlashes::<T>::get(slash_id).ok_or("scheduled slash not pending")?;
				ensure!(slash.apply_at == at, "slash in the wrong bucket");
			}
		}
		let mut counted = BTreeMap::<T::AccountId, u32>::new();
		for (slash_id, slash) in PendingSlashes::<T>::iter() {
			ensure!(scheduled.contains(&slash_id), "pending slash not scheduled");
			ensure!(slash_id < next_id, "slash id not yet issued");
			let count = counted.entry(slash.who).or_default();
			*count = count.saturating_add(1);
		}
		ensure!(counted == pending_per_account, "ledgers' pending_slashes differ from the schedule");
		Ok(())
	}
}
