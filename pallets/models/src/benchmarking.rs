//! Benchmarks, each in its worst case: blobs up to `ModelBounds::max_blob_len` (a wide dense
//! layer, see [`crate::model_builder`]), the longest metadata, deposits that grow, blobs that
//! retiring removes from the preimage store, and pending offers to clear.

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
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Inspect as _, fungible::Mutate as _, EnsureOrigin, Get, QueryPreimage, StorePreimage},
	BoundedVec,
};
use frame_system::RawOrigin;
use polkadot_sdk::frame_benchmarking;
use sp_runtime::traits::{Saturating, StaticLookup};

/// Smallest blob length benchmarked: about the smallest model there is.
const MIN_BLOB_LEN: u32 = 64;

fn funded<T: Config>(who: &T::AccountId) {
	let deposit = Pallet::<T>::deposit_for(T::MaxMetadataLen::get() as usize);
	let amount = deposit.saturating_mul(4u32.into()).saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(who, amount);
}

fn metadata<T: Config>(len: u32) -> MetadataOf<T> {
	BoundedVec::try_from(vec![b'm'; len as usize]).expect("len is at most MaxMetadataLen")
}

fn blob<T: Config>(len: u32) -> Vec<u8> {
	model_builder::dense_blob(len, &T::ModelBounds::get())
}

/// A model of `owner` with a blob of about `blob_len` bytes and the longest metadata, noted
/// and requested only by the model, so retiring it removes the blob.
fn registered<T: Config>(owner: &T::AccountId, blob_len: u32) -> ModelId {
	funded::<T>(owner);
	let model = Pallet::<T>::note_and_register(owner.clone(), blob::<T>(blob_len), 1u32.into(), Default::default())
		.expect("a valid model and a funded owner");
	Pallet::<T>::do_set_metadata(owner.clone(), model, metadata::<T>(T::MaxMetadataLen::get()))
		.expect("the owner is funded");
	model
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `b`: blob length; `m`: metadata length.
	#[benchmark(pov_mode = MaxEncodedLen {
		// The blob is read whole; its real size, not the 4 MiB bound, is what the proof holds.
		Preimage::PreimageFor: Measured
	})]
	fn register_model(
		b: Linear<MIN_BLOB_LEN, { T::ModelBounds::get().max_blob_len }>,
		m: Linear<0, { T::MaxMetadataLen::get() }>,
	) {
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let blob = blob::<T>(b);
		let hash = T::Preimages::note(blob.into()).expect("within the preimage limit");
		let model = NextModelId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), hash, metadata::<T>(m), 1u32.into());

		assert_eq!(Models::<T>::get(model).map(|info| info.owner), Some(caller));
	}

	#[benchmark]
	fn set_fee() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, MIN_BLOB_LEN);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, 7u32.into());

		assert_eq!(Models::<T>::get(model).map(|info| info.fee), Some(7u32.into()));
	}

	/// `m`: new metadata length. The model starts without metadata, so the deposit grows.
	#[benchmark]
	fn set_metadata(m: Linear<0, { T::MaxMetadataLen::get() }>) {
		let caller: T::AccountId = whitelisted_caller();
		funded::<T>(&caller);
		let model =
			Pallet::<T>::note_and_register(caller.clone(), blob::<T>(MIN_BLOB_LEN), 1u32.into(), Default::default())
				.expect("a valid model and a funded owner");

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, metadata::<T>(m));

		assert_eq!(Models::<T>::get(model).map(|info| info.metadata.len() as u32), Some(m));
	}

	/// The blob goes from the preimage store and a pending offer is dropped.
	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, T::ModelBounds::get().max_blob_len);
		let hash = Models::<T>::get(model).map(|info| info.blob_hash).ok_or(BenchmarkError::Weightless)?;
		PendingOwner::<T>::insert(model, account::<T::AccountId>("new", 0, 0));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model);

		assert!(!Models::<T>::contains_key(model));
		assert!(T::Preimages::len(&hash).is_none());
		Ok(())
	}

	#[benchmark]
	fn transfer_ownership() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, MIN_BLOB_LEN);
		let new_owner: T::AccountId = account("new", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model, T::Lookup::unlookup(new_owner.clone()));

		assert_eq!(PendingOwner::<T>::get(model), Some(new_owner));
	}

	/// Both owners already hold model deposits, so both holds are updated, not created.
	#[benchmark]
	fn accept_ownership() {
		let owner: T::AccountId = account("owner", 0, 0);
		let model = registered::<T>(&owner, MIN_BLOB_LEN);
		let caller: T::AccountId = whitelisted_caller();
		registered::<T>(&caller, MIN_BLOB_LEN);
		PendingOwner::<T>::insert(model, caller.clone());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), model);

		assert_eq!(Models::<T>::get(model).map(|info| info.owner), Some(caller));
	}

	#[benchmark]
	fn force_retire_model() -> Result<(), BenchmarkError> {
		let owner: T::AccountId = account("owner", 0, 0);
		let model = registered::<T>(&owner, T::ModelBounds::get().max_blob_len);
		PendingOwner::<T>::insert(model, account::<T::AccountId>("new", 0, 0));
		let origin = T::ForceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model);

		assert!(!Models::<T>::contains_key(model));
		Ok(())
	}

	#[benchmark]
	fn cancel_ownership_offer() {
		let caller: T::AccountId = whitelisted_caller();
		let model = registered::<T>(&caller, MIN_BLOB_LEN);
		PendingOwner::<T>::insert(model, account::<T::AccountId>("new", 0, 0));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), model);

		assert!(!PendingOwner::<T>::contains_key(model));
	}

	/// `ModelRegistry::load` of a model whose blob is `b` bytes: what other pallets charge
	/// before re-executing a model on chain.
	#[benchmark(pov_mode = MaxEncodedLen {
		Preimage::PreimageFor: Measured
	})]
	fn load_model(b: Linear<MIN_BLOB_LEN, { T::ModelBounds::get().max_blob_len }>) {
		let owner: T::AccountId = account("owner", 0, 0);
		let model = registered::<T>(&owner, b);
		let loaded;

		#[block]
		{
			loaded = <Pallet<T> as ModelRegistry<T::AccountId>>::load(model);
		}

		assert!(loaded.is_ok());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
