//! Block hooks: applying due slashes, configuration checks and state invariants.

use crate::*;
use frame_support::{traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Applies the spans due at `now`, at most `MaxSlashesPerBlock` queue entries (the rest
	/// wait for the next block), and charges every entry at the rate of a full application.
	pub(crate) fn do_on_initialize(now: BlockNumberFor<T>) -> Weight {
		let (applied, skipped) = Self::apply_due_slashes(now);
		T::WeightInfo::apply_slashes(applied.saturating_add(skipped))
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
		assert!(!defer.is_zero(), "SlashDeferDuration must be at least one block");
		assert!(!T::ActivationDelay::get().is_zero(), "ActivationDelay must be at least one block");
		assert!(!T::MinBond::get().is_zero(), "MinBond must be non-zero");
		assert!(T::MinWorkerBond::get() >= T::MinBond::get(), "MinWorkerBond must be >= MinBond");
		assert!(!T::ChallengeDeposit::get().is_zero(), "ChallengeDeposit must be non-zero");
		// A reporter colluding with the offender must still lose money on every slash.
		assert!(T::SlashRewardFraction::get() <= Perbill::from_percent(50), "SlashRewardFraction must be at most 50 %");
		assert!(T::MaxConsecutiveMisses::get() > 0, "MaxConsecutiveMisses must be non-zero");
		assert!(T::MaxWorkers::get() > 0, "MaxWorkers must be non-zero");
		assert!(T::MaxUnbondingChunks::get() > 0, "MaxUnbondingChunks must be non-zero");
		assert!(T::MaxTrackedOffences::get() > 0, "MaxTrackedOffences must be non-zero");
		// Every worker's span opens at most one queue entry per block it is postponed in; a
		// block must be able to apply more than one span, or a backlog could never shrink
		// while reports keep coming.
		assert!(T::MaxSlashesPerBlock::get() > 1, "MaxSlashesPerBlock must be at least 2");
	}

	/// Checks that the pallet's storage is consistent with itself and with the holds.
	/// Compiled in std builds too (not only with `try-runtime`): the runtime's call-sequence fuzzer
	/// runs it after every block without rebuilding the SDK with another feature set.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{BTreeMap, BTreeSet};
		use frame_support::{ensure, traits::fungible::hold::Inspect};

		let reason = HoldReason::Staking.into();
		let mut staked = BalanceOf::<T>::zero();
		for (who, ledger) in Ledger::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&reason, &who) == ledger.total(),
				"staking hold differs from the ledger's active + unbonding"
			);
			ensure!(
				!ledger.is_empty() || UnappliedSlashes::<T>::contains_key(&who),
				"an empty ledger without a pending slash is kept"
			);
			ensure!(ledger.unbonding.iter().all(|chunk| !chunk.value.is_zero()), "empty unbonding chunk");
			ensure!(!KeyOwner::<T>::contains_key(&who), "a bonded account is a worker key");
			staked = staked.saturating_add(ledger.total());
		}
		ensure!(TotalStaked::<T>::get() == staked, "TotalStaked differs from the sum of ledgers");

		for (stash, key) in WorkerKeys::<T>::iter() {
			ensure!(stash != key, "a stash is its own worker key");
			ensure!(KeyOwner::<T>::get(&key).as_ref() == Some(&stash), "WorkerKeys and KeyOwner disagree");
			ensure!(Ledger::<T>::contains_key(&stash), "worker key of an unbonded account");
		}
		ensure!(
			KeyOwner::<T>::iter_keys().count() == WorkerKeys::<T>::iter_keys().count(),
			"KeyOwner has keys WorkerKeys does not"
		);

		let workers = ActiveWorkers::<T>::get();
		let distinct: BTreeSet<_> = workers.iter().map(|(w, _)| w).collect();
		ensure!(distinct.len() == workers.len(), "duplicate in ActiveWorkers");
		ensure!(
			Workers::<T>::iter_keys().count() == workers.len(),
			"Workers map and ActiveWorkers list differ in size"
		);
		for (who, drawable_from) in workers.iter() {
			let info = Workers::<T>::get(who).ok_or("listed worker missing from Workers")?;
			ensure!(info.drawable_from == *drawable_from, "drawable_from differs between list and map");
			ensure!(WorkerRecords::<T>::contains_key(who), "worker without a record");
			ensure!(WorkerKeys::<T>::contains_key(who), "worker without a worker key");
			let active = Ledger::<T>::get(who).map_or_else(Zero::zero, |ledger| ledger.active);
			ensure!(active >= T::MinWorkerBond::get(), "worker below MinWorkerBond");
		}

		SlashQueueOf::<T>::check()?;
		let mut queued = BTreeSet::new();
		let mut last_due = None;
		for entry in SlashQueueOf::<T>::entries() {
			ensure!(last_due.is_none_or(|last| last <= entry.due), "slash queue not in due order");
			last_due = Some(entry.due);
			queued.insert((entry.who, entry.due));
		}
		for (who, span) in UnappliedSlashes::<T>::iter() {
			ensure!(Ledger::<T>::contains_key(&who), "pending slash of an unbonded account");
			ensure!(span.amount == Self::span_amount(&span), "span amount differs from the span rule");
			ensure!(span.apply_at >= span.opened_at, "span applied before it opened");
			ensure!(queued.contains(&(who, span.apply_at)), "pending span without its queue entry");
		}

		let deposit = T::ChallengeDeposit::get();
		let deposit_reason = HoldReason::ChallengeDeposit.into();
		let mut deposits = BTreeMap::new();
		for (who, count) in ChallengeDeposits::<T>::iter() {
			ensure!(count > 0, "zero challenge deposits kept");
			deposits.insert(who, count);
		}
		for (who, count) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&deposit_reason, &who) == deposit.saturating_mul(count.into()),
				"challenge deposit hold differs from the deposits counted"
			);
		}
		Ok(())
	}
}
