//! The calls' logic. Every function checks everything before it writes anything, so a failed
//! call leaves no trace even outside a transactional layer.

use crate::*;
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{hold::Inspect as _, hold::Mutate as _},
		tokens::Precision,
		Get,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Saturating, Zero},
	ArithmeticError,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_bond(who: T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!Ledger::<T>::contains_key(&who), Error::<T>::AlreadyBonded);
		ensure!(value >= T::MinBond::get(), Error::<T>::BelowMinBond);
		Self::hold(&who, value)?;
		Ledger::<T>::insert(&who, StakingLedger::<T>::new(value));
		TotalStaked::<T>::mutate(|total| *total = total.saturating_add(value));
		Self::deposit_event(Event::Bonded { who, amount: value });
		Ok(())
	}

	pub(crate) fn do_bond_extra(who: T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		let mut ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
		let active = ledger.active.checked_add(&value).ok_or(ArithmeticError::Overflow)?;
		// A slash can leave the active bond below the minimum; topping it up must fix that.
		ensure!(active >= T::MinBond::get(), Error::<T>::BelowMinBond);
		Self::hold(&who, value)?;
		ledger.active = active;
		Ledger::<T>::insert(&who, ledger);
		TotalStaked::<T>::mutate(|total| *total = total.saturating_add(value));
		Self::deposit_event(Event::Bonded { who, amount: value });
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId, value: BalanceOf<T>) -> DispatchResultWithPostInfo {
		ensure!(!value.is_zero(), Error::<T>::ZeroAmount);
		let mut ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
		let chunks = ledger.unbonding.len() as u32;
		let remaining = ledger.active.checked_sub(&value).ok_or(Error::<T>::InsufficientActiveBond)?;
		if Workers::<T>::contains_key(&who) {
			ensure!(remaining >= T::MinWorkerBond::get(), Error::<T>::ChillBeforeUnbonding);
		}
		ensure!(remaining.is_zero() || remaining >= T::MinBond::get(), Error::<T>::BelowMinBond);
		let unlock_at = Self::now().saturating_add(T::UnbondingPeriod::get());
		ensure!(ledger.schedule_unlock(value, unlock_at), Error::<T>::TooManyUnbondingChunks);
		Ledger::<T>::insert(&who, ledger);
		Self::deposit_event(Event::Unbonded { who, amount: value, unlock_at });
		Ok(Some(T::WeightInfo::unbond(chunks)).into())
	}

	pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResultWithPostInfo {
		let mut ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
		ensure!(ledger.pending_slashes == 0, Error::<T>::PendingSlash);
		let chunks = ledger.unbonding.len() as u32;
		let amount = ledger.take_unlocked(Self::now());
		ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
		T::Currency::release(&HoldReason::Staking.into(), &who, amount, Precision::Exact)?;
		TotalStaked::<T>::mutate(|total| *total = total.saturating_sub(amount));
		Self::put_ledger(&who, ledger);
		Self::deposit_event(Event::Withdrawn { who, amount });
		Ok(Some(T::WeightInfo::withdraw_unbonded(chunks)).into())
	}

	pub(crate) fn do_register_worker(who: T::AccountId) -> DispatchResultWithPostInfo {
		ensure!(!Workers::<T>::contains_key(&who), Error::<T>::AlreadyWorker);
		let ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
		ensure!(ledger.active >= T::MinWorkerBond::get(), Error::<T>::BelowMinWorkerBond);
		let mut workers = ActiveWorkers::<T>::get();
		let count = workers.len() as u32;
		workers.try_push(who.clone()).map_err(|_| Error::<T>::TooManyWorkers)?;
		ActiveWorkers::<T>::put(workers);
		Workers::<T>::insert(&who, WorkerInfo { registered_at: Self::now() });
		WorkerRecords::<T>::mutate(&who, |record| {
			record.get_or_insert_with(Default::default);
		});
		Self::deposit_event(Event::WorkerRegistered { who });
		Ok(Some(T::WeightInfo::register_worker(count)).into())
	}

	pub(crate) fn do_chill(who: T::AccountId) -> DispatchResultWithPostInfo {
		ensure!(Workers::<T>::contains_key(&who), Error::<T>::NotWorker);
		let count = Self::remove_worker(&who);
		Self::deposit_event(Event::Chilled { who });
		Ok(Some(T::WeightInfo::chill(count)).into())
	}

	pub(crate) fn do_cancel_slash(slash_id: SlashId) -> DispatchResultWithPostInfo {
		let slash = PendingSlashes::<T>::get(slash_id).ok_or(Error::<T>::UnknownSlash)?;
		let bucket_len = Self::unschedule_slash(slash_id, slash.apply_at);
		PendingSlashes::<T>::remove(slash_id);
		if let Some(mut ledger) = Ledger::<T>::get(&slash.who) {
			ledger.pending_slashes = ledger.pending_slashes.saturating_sub(1);
			Self::put_ledger(&slash.who, ledger);
		}
		Self::deposit_event(Event::SlashCancelled { slash_id, who: slash.who, amount: slash.amount });
		Ok(Some(T::WeightInfo::cancel_slash(bucket_len)).into())
	}

	/// Holds `value` on `who`, with a pallet error when the free balance cannot cover it.
	fn hold(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		let reason = HoldReason::Staking.into();
		ensure!(T::Currency::can_hold(&reason, who, value), Error::<T>::InsufficientBalance);
		T::Currency::hold(&reason, who, value)
	}

	/// Stores `ledger`, or removes it once nothing is bonded, unbonding or pending.
	pub(crate) fn put_ledger(who: &T::AccountId, ledger: StakingLedger<T>) {
		if ledger.is_dead() {
			Ledger::<T>::remove(who);
		} else {
			Ledger::<T>::insert(who, ledger);
		}
	}

	/// Deregisters `who`, keeping the others in registration order. Returns how many workers
	/// were registered before, for the weight.
	pub(crate) fn remove_worker(who: &T::AccountId) -> u32 {
		Workers::<T>::remove(who);
		ActiveWorkers::<T>::mutate(|workers| {
			let count = workers.len() as u32;
			if let Some(position) = workers.iter().position(|w| w == who) {
				workers.remove(position);
			}
			count
		})
	}

	/// Removes `slash_id` from the bucket of block `at`. Returns the bucket's former length.
	fn unschedule_slash(slash_id: SlashId, at: BlockNumberFor<T>) -> u32 {
		SlashSchedule::<T>::mutate_exists(at, |bucket| {
			let Some(ids) = bucket else { return 0 };
			let len = ids.len() as u32;
			ids.retain(|id| *id != slash_id);
			if ids.is_empty() {
				*bucket = None;
			}
			len
		})
	}

	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// Bonds and registers the genesis workers. A bad configuration stops the chain from being
	/// built at all, which is what one wants at genesis.
	pub(crate) fn build_genesis(workers: &[(T::AccountId, BalanceOf<T>)]) {
		for (who, amount) in workers {
			assert!(*amount >= T::MinWorkerBond::get(), "genesis worker {who:?} bonds {amount:?}, below MinWorkerBond");
			Self::do_bond(who.clone(), *amount)
				.unwrap_or_else(|e| panic!("genesis worker {who:?} cannot bond {amount:?}: {e:?}"));
			Self::do_register_worker(who.clone())
				.unwrap_or_else(|e| panic!("genesis worker {who:?} cannot register: {e:?}"));
		}
	}
}
