//! Benchmarks, each in its worst case: the most chunks a ledger can have, the longest worker
//! list to search, spans full of tracked offences with distinct reporters, and slashes that
//! each chill a worker.

// Benchmarks run on a benchmarking machine, never in a block: a failing setup must stop
// the run loudly.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::float_arithmetic
)]

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Inspect as _, fungible::Mutate as _, EnsureOrigin, Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use polkadot_sdk::frame_benchmarking;
use sp_runtime::{traits::Saturating, Perbill};

/// Enough to stay a worker while unbonding `MinBond` into every chunk.
fn bond_amount<T: Config>() -> BalanceOf<T> {
	let chunks = T::MaxUnbondingChunks::get().saturating_add(2);
	T::MinWorkerBond::get().saturating_add(T::MinBond::get().saturating_mul(chunks.into()))
}

fn funded<T: Config>(who: &T::AccountId) {
	let amount = bond_amount::<T>().saturating_mul(2u32.into()).saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(who, amount);
}

fn bonded<T: Config>(who: &T::AccountId) {
	funded::<T>(who);
	Pallet::<T>::do_bond(who.clone(), bond_amount::<T>()).expect("funded above");
}

fn keyed<T: Config>(who: &T::AccountId) {
	Pallet::<T>::do_set_worker_key(who.clone(), Pallet::<T>::benchmark_key(who)).expect("a fresh key");
}

fn registered<T: Config>(who: &T::AccountId) {
	bonded::<T>(who);
	keyed::<T>(who);
	Pallet::<T>::do_register_worker(who.clone()).expect("bonded above MinWorkerBond");
}

/// Workers registered before the benchmark's setup (e.g. a chain's genesis workers).
fn existing_workers<T: Config>() -> u32 {
	ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32
}

fn set_block<T: Config>(n: u32) {
	frame_system::Pallet::<T>::set_block_number(n.into());
}

/// Gives `who` `count` unbonding chunks, one per block from block 1; leaves the block number at
/// `count`.
fn unbond_chunks<T: Config>(who: &T::AccountId, count: u32) {
	for block in 1..=count {
		set_block::<T>(block);
		Pallet::<T>::do_unbond(who.clone(), T::MinBond::get()).expect("bonded enough");
	}
}

/// Fills `who`'s span with `MaxTrackedOffences` wrong answers that take its whole stake, each
/// proven by a different reporter: the most work applying a span can take.
fn full_span<T: Config>(who: &T::AccountId) {
	for i in 0..T::MaxTrackedOffences::get() {
		Pallet::<T>::do_report_offence(OffenceReport {
			offender: who.clone(),
			kind: OffenceKind::WrongAnswer,
			severity: Perbill::one(),
			task: Some(TaskRef { domain: *b"bnch", id: i.into() }),
			reporter: Some(account("reporter", i, 0)),
		})
		.expect("bonded");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn bond() {
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let value = bond_amount::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), value);

		assert_eq!(Ledger::<T>::get(&caller).map(|l| l.active), Some(value));
	}

	#[benchmark]
	fn bond_extra() {
		let caller: T::AccountId = whitelisted_caller();
		bonded::<T>(&caller);
		let extra = T::MinBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), extra);

		assert_eq!(Ledger::<T>::get(&caller).map(|l| l.active), Some(bond_amount::<T>().saturating_add(extra)));
	}

	/// `c`: chunks the ledger already has. The caller is a worker, so the worker check runs too.
	#[benchmark]
	fn unbond(c: Linear<0, { T::MaxUnbondingChunks::get().saturating_sub(1) }>) {
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller);
		unbond_chunks::<T>(&caller, c);
		set_block::<T>(c.saturating_add(1));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), T::MinBond::get());

		assert_eq!(Ledger::<T>::get(&caller).map(|l| l.unbonding.len() as u32), Some(c + 1));
	}

	/// `c`: unlocked chunks released together.
	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnbondingChunks::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		bonded::<T>(&caller);
		unbond_chunks::<T>(&caller, c);
		let unlocked = BlockNumberFor::<T>::from(c).saturating_add(T::UnbondingPeriod::get());
		frame_system::Pallet::<T>::set_block_number(unlocked);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert_eq!(Ledger::<T>::get(&caller).map(|l| l.unbonding.len()), Some(0));
	}

	/// `w`: workers already registered.
	#[benchmark]
	fn register_worker(w: Linear<0, { T::MaxWorkers::get().saturating_sub(1) }>) {
		for i in existing_workers::<T>()..w {
			registered::<T>(&account("worker", i, 0));
		}
		let caller: T::AccountId = whitelisted_caller();
		bonded::<T>(&caller);
		keyed::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(Workers::<T>::contains_key(&caller));
	}

	/// `w`: workers registered, the caller last, so the whole list is searched.
	#[benchmark]
	fn chill(w: Linear<1, { T::MaxWorkers::get() }>) {
		for i in existing_workers::<T>()..w.saturating_sub(1) {
			registered::<T>(&account("worker", i, 0));
		}
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(!Workers::<T>::contains_key(&caller));
	}

	/// Governance cancels a full span.
	#[benchmark]
	fn cancel_slash() -> Result<(), BenchmarkError> {
		let offender: T::AccountId = account("offender", 0, 0);
		bonded::<T>(&offender);
		full_span::<T>(&offender);
		let origin = T::SlashCancelOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, offender.clone());

		assert!(UnappliedSlashes::<T>::get(&offender).is_none());
		Ok(())
	}

	/// Replacing an existing key (one more removal than setting the first).
	#[benchmark]
	fn set_worker_key() {
		let caller: T::AccountId = whitelisted_caller();
		bonded::<T>(&caller);
		keyed::<T>(&caller);
		let key: T::AccountId = account("new-key", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), key.clone());

		assert_eq!(WorkerKeys::<T>::get(&caller), Some(key));
	}

	/// `s`: spans due in the block. Each is full (`MaxTrackedOffences` offences with distinct
	/// reporters to pay), takes the offender's whole stake from a full chunk list and chills it
	/// out of a full worker list in which the offenders come last.
	#[benchmark]
	fn apply_slashes(s: Linear<0, { T::MaxSlashesPerBlock::get() }>) {
		let chunks = T::MaxUnbondingChunks::get();
		let fillers = T::MaxWorkers::get().saturating_sub(s).saturating_sub(existing_workers::<T>());
		for i in 0..fillers {
			registered::<T>(&account("worker", i, 0));
		}
		let offenders: Vec<T::AccountId> = (0..s).map(|i| account("offender", i, 0)).collect();
		for who in &offenders {
			registered::<T>(who);
			unbond_chunks::<T>(who, chunks);
		}
		// Reported as liveness offences first, so the offenders stay in the worker list until
		// the slash chills them (a wrong answer would chill them at the report).
		for who in &offenders {
			Pallet::<T>::do_report_offence(OffenceReport {
				offender: who.clone(),
				kind: OffenceKind::MissedTask,
				severity: Perbill::zero(),
				task: None,
				reporter: None,
			})
			.expect("bonded");
			let mut span = UnappliedSlashes::<T>::get(who).expect("just reported");
			for i in 0..T::MaxTrackedOffences::get() {
				let offence = TrackedOffence {
					kind: OffenceKind::BrokenReveal,
					severity: Perbill::one(),
					task: TaskRef { domain: *b"bnch", id: i.into() },
					reporter: Some(account("reporter", i, 0)),
				};
				span.tracked.try_push(offence).expect("at most MaxTrackedOffences");
			}
			span.amount = Pallet::<T>::span_amount(&span);
			UnappliedSlashes::<T>::insert(who, span);
		}
		let at = frame_system::Pallet::<T>::block_number().saturating_add(T::SlashDeferDuration::get());
		frame_system::Pallet::<T>::set_block_number(at);

		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}

		for who in &offenders {
			assert!(UnappliedSlashes::<T>::get(who).is_none());
			assert!(!Workers::<T>::contains_key(who));
			assert!(Ledger::<T>::get(who).is_none());
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
