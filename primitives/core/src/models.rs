//! The model registry, as the market pallets see it.
//!
//! `pallet-ml-models` owns registered models (their blobs live in `pallet-preimage`); the
//! predictions and bounties pallets look models up and load them through [`ModelRegistry`],
//! and their unit tests use [`mock::MockModels`] instead of a real registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::DispatchError;
use scale_info::TypeInfo;

pub use modelchain_nn::{Bounds, Model, Output, OutputKind};

/// Identifies a registered model. Assigned in registration order, never reused.
pub type ModelId = u32;

/// What another pallet needs to know about a registered model without loading its blob.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, PartialEq, Eq)]
pub struct ModelSummary<AccountId, Balance> {
	/// Receives the model's fee for every answered prediction.
	pub owner: AccountId,
	/// Fee the owner asks per answered prediction.
	pub fee: Balance,
	/// `blake2_256` of the model blob (its `pallet-preimage` hash).
	pub blob_hash: crate::Hash,
	/// Length of the blob in bytes.
	pub blob_len: u32,
	/// Elements (`i8`) one input has.
	pub input_len: u32,
	/// Elements of the model's last tensor: classes, or regression outputs.
	pub output_len: u32,
	/// Whether the answer is a class index or fixed-point regression values.
	pub output: OutputKind,
	/// Cost of one inference in multiply-accumulate equivalents (`Model::cost`); the weight
	/// of on-chain re-execution is charged from it.
	pub cost: u64,
}

/// The registered models.
///
/// Implemented by `pallet-ml-models`; other pallets take it as a `Config` item, e.g.
/// `type Models: ModelRegistry<Self::AccountId, Balance = BalanceOf<Self>>;`.
pub trait ModelRegistry<AccountId> {
	/// The fee's currency unit.
	type Balance;

	/// The bounds every registered model was decoded within (the runtime's `ModelBounds`), so
	/// callers can weigh the largest model the registry may hold.
	fn bounds() -> Bounds;

	/// The model `id`, if it is registered and not retired.
	fn model(id: ModelId) -> Option<ModelSummary<AccountId, Self::Balance>>;

	/// Fetches the blob of model `id` and decodes it within the runtime's bounds.
	///
	/// Costs a storage read of the whole blob plus decoding: weigh callers by
	/// [`ModelSummary::blob_len`]. Fails if the model is unknown or retired.
	fn load(id: ModelId) -> Result<Model, DispatchError>;

	/// Registers `blob` as a model of `owner` with `fee`, storing the blob and taking any
	/// deposit as the registry would, so other pallets' benchmarks can set models up.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_benchmark_model(
		owner: &AccountId,
		blob: alloc::vec::Vec<u8>,
		fee: Self::Balance,
	) -> Result<ModelId, DispatchError>;
}

/// A [`ModelRegistry`] for other pallets' unit tests, with thread-local state.
///
/// Models are added with [`MockModels::add`] from a blob that must decode (with
/// `Bounds::default()`); ids count from 0 in insertion order. [`MockModels::retire`] makes a
/// model unknown, as retirement in the real registry does.
#[cfg(feature = "std")]
// Test support, compiled only with `std` and never into the runtime: a broken mock must fail
// the test that uses it loudly.
#[allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	clippy::type_complexity
)]
pub mod mock {
	use super::*;
	use alloc::vec::Vec;
	use core::{cell::RefCell, marker::PhantomData};
	use polkadot_sdk::sp_runtime::traits::{AtLeast32BitUnsigned, BlakeTwo256, Hash as _};

	struct Entry {
		owner: Vec<u8>,
		fee: u128,
		blob: Vec<u8>,
		retired: bool,
	}

	std::thread_local! {
		static MODELS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
		static LOADS: RefCell<u32> = const { RefCell::new(0) };
	}

	/// The mock registry; `AccountId` and `Balance` are the test runtime's types.
	pub struct MockModels<AccountId, Balance>(PhantomData<(AccountId, Balance)>);

	impl<AccountId, Balance> MockModels<AccountId, Balance>
	where
		AccountId: Encode + Decode,
		Balance: AtLeast32BitUnsigned + Copy,
	{
		/// Forgets every model of this thread.
		pub fn reset() {
			MODELS.with(|m| m.borrow_mut().clear());
			LOADS.with(|l| *l.borrow_mut() = 0);
		}

		/// Adds a model and returns its id. Panics if `blob` does not decode: a test bug.
		pub fn add(owner: &AccountId, blob: Vec<u8>, fee: Balance) -> ModelId {
			Model::decode_blob(&blob, &Bounds::default()).expect("MockModels::add takes a valid model blob");
			MODELS.with(|m| {
				let mut m = m.borrow_mut();
				m.push(Entry { owner: owner.encode(), fee: fee.unique_saturated_into(), blob, retired: false });
				(m.len() - 1) as ModelId
			})
		}

		/// Retires model `id`: it becomes unknown to [`ModelRegistry::model`] and `load`.
		pub fn retire(id: ModelId) {
			MODELS.with(|m| {
				if let Some(e) = m.borrow_mut().get_mut(id as usize) {
					e.retired = true;
				}
			});
		}

		/// How many times [`ModelRegistry::load`] succeeded on this thread.
		pub fn loads() -> u32 {
			LOADS.with(|l| *l.borrow())
		}
	}

	impl<AccountId, Balance> ModelRegistry<AccountId> for MockModels<AccountId, Balance>
	where
		AccountId: Encode + Decode,
		Balance: AtLeast32BitUnsigned + Copy,
	{
		type Balance = Balance;

		fn bounds() -> Bounds {
			Bounds::default()
		}

		fn model(id: ModelId) -> Option<ModelSummary<AccountId, Balance>> {
			MODELS.with(|m| {
				let m = m.borrow();
				let e = m.get(id as usize).filter(|e| !e.retired)?;
				let model = Model::decode_blob(&e.blob, &Bounds::default()).ok()?;
				let summary = model.validate(&Bounds::default()).ok()?;
				Some(ModelSummary {
					owner: AccountId::decode(&mut &e.owner[..]).ok()?,
					fee: Balance::unique_saturated_from(e.fee),
					blob_hash: BlakeTwo256::hash(&e.blob),
					blob_len: e.blob.len() as u32,
					input_len: summary.input_len,
					output_len: summary.output_len,
					output: model.output,
					cost: summary.cost,
				})
			})
		}

		fn load(id: ModelId) -> Result<Model, DispatchError> {
			let blob = MODELS
				.with(|m| m.borrow().get(id as usize).filter(|e| !e.retired).map(|e| e.blob.clone()))
				.ok_or(DispatchError::Other("MockModels: unknown model"))?;
			let model = Model::decode_blob(&blob, &Bounds::default())
				.map_err(|_| DispatchError::Other("MockModels: undecodable model"))?;
			LOADS.with(|l| *l.borrow_mut() += 1);
			Ok(model)
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn make_benchmark_model(owner: &AccountId, blob: Vec<u8>, fee: Balance) -> Result<ModelId, DispatchError> {
			Ok(Self::add(owner, blob, fee))
		}
	}
}
