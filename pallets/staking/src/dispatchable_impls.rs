//! The calls' logic. Every function checks everything before it writes anything, so a failed
//! call leaves no trace even outside a transactional layer.

use crate::*;
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchResult, Weight},
	traits::Get,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::funds;
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Saturating, Zero},
	ArithmeticError,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_bond(who: T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		ensure!(!Ledger::<T>::contains_key(&who), Error::<T>::AlreadyBonded);
		ensure!(value >= T::MinBond::get(), Error::<T>::BelowMinBond);
		Self::hold(&who, value)?;
		// A stash may name any account as its key without that account's consent; the claim
		// must not stop the account from staking, so bonding drops it.
		if let Some(stash) = KeyOwner::<T>::take(&who) {
			WorkerKeys::<T>::remove(&stash);
			if Workers::<T>::contains_key(&stash) {
				Self::remove_worker(&stash);
				Self::deposit_event(Event::Chilled { who: stash.clone() });
			}
			Self::deposit_event(Event::WorkerKeyRevoked { stash, key: who.clone() });
		}
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
		ensure!(!UnappliedSlashes::<T>::contains_key(&who), Error::<T>::PendingSlash);
		let chunks = ledger.unbonding.len() as u32;
		let amount = ledger.take_unlocked(Self::now());
		ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
		funds::release::<T::Currency, _>(&HoldReason::Staking.into(), &who, amount);
		TotalStaked::<T>::mutate(|total| *total = total.saturating_sub(amount));
		Self::put_ledger(&who, ledger);
		Self::deposit_event(Event::Withdrawn { who, amount });
		Ok(Some(T::WeightInfo::withdraw_unbonded(chunks)).into())
	}

	pub(crate) fn do_set_worker_key(stash: T::AccountId, key: T::AccountId) -> DispatchResult {
		ensure!(Ledger::<T>::contains_key(&stash), Error::<T>::NotBonded);
		ensure!(key != stash, Error::<T>::KeyIsStash);
		ensure!(!Ledger::<T>::contains_key(&key), Error::<T>::KeyIsBonded);
		if let Some(owner) = KeyOwner::<T>::get(&key) {
			ensure!(owner == stash, Error::<T>::KeyInUse);
		}
		if let Some(old) = WorkerKeys::<T>::get(&stash) {
			KeyOwner::<T>::remove(old);
		}
		WorkerKeys::<T>::insert(&stash, &key);
		KeyOwner::<T>::insert(&key, &stash);
		Self::deposit_event(Event::WorkerKeySet { stash, key });
		Ok(())
	}

	pub(crate) fn do_register_worker(who: T::AccountId) -> DispatchResultWithPostInfo {
		ensure!(!Workers::<T>::contains_key(&who), Error::<T>::AlreadyWorker);
		let ledger = Ledger::<T>::get(&who).ok_or(Error::<T>::NotBonded)?;
		ensure!(ledger.active >= T::MinWorkerBond::get(), Error::<T>::BelowMinWorkerBond);
		ensure!(WorkerKeys::<T>::contains_key(&who), Error::<T>::NoWorkerKey);
		let now = Self::now();
		let drawable_from = now.saturating_add(T::ActivationDelay::get());
		let mut workers = ActiveWorkers::<T>::get();
		let count = workers.len() as u32;
		workers.try_push((who.clone(), drawable_from)).map_err(|_| Error::<T>::TooManyWorkers)?;
		ActiveWorkers::<T>::put(workers);
		Workers::<T>::insert(&who, WorkerInfo { registered_at: now, drawable_from });
		WorkerRecords::<T>::mutate(&who, |record| {
			// A fresh registration starts a fresh run: earlier misses led to the chill.
			record.get_or_insert_with(Default::default).consecutive_missed = 0;
		});
		Self::deposit_event(Event::WorkerRegistered { who, drawable_from });
		Ok(Some(T::WeightInfo::register_worker(count)).into())
	}

	pub(crate) fn do_chill(who: T::AccountId) -> DispatchResultWithPostInfo {
		ensure!(Workers::<T>::contains_key(&who), Error::<T>::NotWorker);
		let count = Self::remove_worker(&who);
		Self::deposit_event(Event::Chilled { who });
		Ok(Some(T::WeightInfo::chill(count)).into())
	}

	pub(crate) fn do_cancel_slash(who: T::AccountId) -> DispatchResult {
		let span = UnappliedSlashes::<T>::take(&who).ok_or(Error::<T>::NoPendingSlash)?;
		// Its queue entries are skipped when they come up: the span is gone.
		Self::deposit_event(Event::SlashCancelled { who: who.clone(), amount: span.amount });
		if let Some(ledger) = Ledger::<T>::get(&who) {
			Self::put_ledger(&who, ledger);
		}
		Ok(())
	}

	/// `bond`'s weight when it revokes a registered stash's claim on the caller as its key:
	/// the chill searches the whole worker list.
	pub(crate) fn max_bond_weight() -> Weight {
		T::WeightInfo::bond().saturating_add(T::WeightInfo::chill(T::MaxWorkers::get()))
	}

	/// `bond`'s actual weight for `who`: more only if it drops a claim on `who`.
	pub(crate) fn bond_weight(who: &T::AccountId) -> Weight {
		match KeyOwner::<T>::get(who) {
			Some(_) => Self::max_bond_weight(),
			None => T::WeightInfo::bond(),
		}
	}

	/// Holds `value` of stake on `who`, with a pallet error when the free balance cannot
	/// cover it.
	fn hold(who: &T::AccountId, value: BalanceOf<T>) -> DispatchResult {
		funds::hold::<T::Currency, _>(&HoldReason::Staking.into(), who, value)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Stores `ledger`, or removes it (with the worker key) once nothing is bonded,
	/// unbonding or pending.
	pub(crate) fn put_ledger(who: &T::AccountId, ledger: StakingLedger<T>) {
		if ledger.is_empty() && !UnappliedSlashes::<T>::contains_key(who) && !Workers::<T>::contains_key(who) {
			Ledger::<T>::remove(who);
			if let Some(key) = WorkerKeys::<T>::take(who) {
				KeyOwner::<T>::remove(key);
			}
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
			workers.retain(|(w, _)| w != who);
			count
		})
	}

	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// Bonds, keys and registers the genesis workers, drawable at once. A bad configuration
	/// stops the chain from being built at all, which is what one wants at genesis.
	pub(crate) fn build_genesis(workers: &[(T::AccountId, T::AccountId, BalanceOf<T>)]) {
		for (stash, key, amount) in workers {
			assert!(
				*amount >= T::MinWorkerBond::get(),
				"genesis worker {stash:?} bonds {amount:?}, below MinWorkerBond"
			);
			Self::do_bond(stash.clone(), *amount)
				.unwrap_or_else(|e| panic!("genesis worker {stash:?} cannot bond {amount:?}: {e:?}"));
			Self::do_set_worker_key(stash.clone(), key.clone())
				.unwrap_or_else(|e| panic!("genesis worker {stash:?} cannot use key {key:?}: {e:?}"));
			Self::do_register_worker(stash.clone())
				.unwrap_or_else(|e| panic!("genesis worker {stash:?} cannot register: {e:?}"));
		}
		// Genesis workers are known before the chain starts: nobody can register into a draw
		// they predict, so they are drawable from the first block.
		ActiveWorkers::<T>::mutate(|list| list.iter_mut().for_each(|(_, from)| *from = Zero::zero()));
		for (stash, _, _) in workers {
			Workers::<T>::mutate_extant(stash, |info| info.drawable_from = Zero::zero());
		}
	}
}
