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

	/// The model `id`, if it is registered and not retired: the models new tasks may use.
	fn model(id: ModelId) -> Option<ModelSummary<AccountId, Self::Balance>>;

	/// The model `id` while it is kept: registered, or retired but still in use by a task
	/// that [`Self::acquire`]d it (so a challenge can still re-execute it).
	fn kept_model(id: ModelId) -> Option<ModelSummary<AccountId, Self::Balance>>;

	/// Fetches the blob of kept model `id` (see [`Self::kept_model`]) and decodes it within
	/// the runtime's bounds.
	///
	/// Costs a storage read of the whole blob plus decoding: weigh callers by
	/// [`ModelSummary::blob_len`]. Fails if the model is not kept.
	fn load(id: ModelId) -> Result<Model, DispatchError>;

	/// As [`Self::load`], for off-chain workers: the model decoded within the same bounds, in
	/// the node's native engine when it offers one, else in the runtime
	/// ([`modelchain_nn_host::OffchainModel`]). Never call it on chain: re-execution that
	/// decides money runs [`Self::load`]'s model.
	fn load_offchain(id: ModelId) -> Result<modelchain_nn_host::OffchainModel, DispatchError>;

	/// Marks model `id` as in use by `uses` more tasks (a batch of requests takes one use
	/// each, in one write). While any task uses it, retiring the model only stops new tasks:
	/// its blob stays stored and loadable until the last user [`Self::release`]s it. Fails,
	/// changing nothing, if the model is unknown or retired.
	fn acquire(id: ModelId, uses: u32) -> Result<(), DispatchError>;

	/// Ends one use of model `id` begun by [`Self::acquire`]. A retired model whose last use
	/// ends is removed (its blob unrequested, its deposit released).
	fn release(id: ModelId);

	/// Tasks currently using model `id` (for state checks).
	fn users(id: ModelId) -> u32;

	/// Registers the model whose blob `blob_hash` is a preimage on chain for `owner` at `fee`
	/// per prediction, with no metadata, exactly as `register_model` would (the blob must
	/// decode within the bounds; the owner's registration deposit is held): how a bounty's
	/// winner is listed in the same step it is paid. Fails, changing nothing, as the call
	/// would.
	fn register_for(owner: &AccountId, blob_hash: crate::Hash, fee: Self::Balance) -> Result<ModelId, DispatchError>;

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
		users: u32,
	}

	std::thread_local! {
		static MODELS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
		static LOADS: RefCell<u32> = const { RefCell::new(0) };
		static BOUNDS: RefCell<Option<Bounds>> = const { RefCell::new(None) };
		static NOTED: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
	}

	/// What the mock registry reports as its bounds unless a test sets others: small models
	/// (64 KiB blobs, a cost of 100,000), as a test runtime's off-chain budget and block weights
	/// can carry. The digits fixture fits.
	pub const MOCK_BOUNDS: Bounds = Bounds {
		max_blob_len: 64 * 1024,
		max_layers: 64,
		max_parameters: 64 * 1024,
		max_dimension: 65_536,
		max_tensor_len: 1 << 16,
		max_macs: 100_000,
		max_cost: 100_000,
	};

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
			BOUNDS.with(|b| *b.borrow_mut() = None);
			NOTED.with(|n| n.borrow_mut().clear());
		}

		/// Makes `blob` available to [`ModelRegistry::register_for`] by its hash, as noting a
		/// preimage does for the real registry.
		pub fn note_blob(blob: Vec<u8>) {
			NOTED.with(|n| n.borrow_mut().push(blob));
		}

		/// Sets what [`ModelRegistry::bounds`] reports ([`MOCK_BOUNDS`] until set), for pallets
		/// whose `integrity_test` weighs the largest model. Models are still decoded with
		/// `Bounds::default()`.
		pub fn set_bounds(bounds: Bounds) {
			BOUNDS.with(|b| *b.borrow_mut() = Some(bounds));
		}

		/// Adds a model and returns its id. Panics if `blob` does not decode: a test bug.
		pub fn add(owner: &AccountId, blob: Vec<u8>, fee: Balance) -> ModelId {
			Model::decode_blob(&blob, &Bounds::default()).expect("MockModels::add takes a valid model blob");
			MODELS.with(|m| {
				let mut m = m.borrow_mut();
				m.push(Entry {
					owner: owner.encode(),
					fee: fee.unique_saturated_into(),
					blob,
					retired: false,
					users: 0,
				});
				(m.len() - 1) as ModelId
			})
		}

		/// Retires model `id`: it becomes unknown to [`ModelRegistry::model`]; `kept_model` and
		/// `load` still find it while it has users, as in the real registry.
		pub fn retire(id: ModelId) {
			MODELS.with(|m| {
				if let Some(e) = m.borrow_mut().get_mut(id as usize) {
					e.retired = true;
				}
			});
		}

		/// Whether `e` is kept: registered, or retired with users left.
		fn kept(e: &Entry) -> bool {
			!e.retired || e.users > 0
		}

		fn summary(id: ModelId, retired_too: bool) -> Option<ModelSummary<AccountId, Balance>> {
			MODELS.with(|m| {
				let m = m.borrow();
				let e = m.get(id as usize).filter(|e| if retired_too { Self::kept(e) } else { !e.retired })?;
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

		/// How many times [`ModelRegistry::load`] or [`ModelRegistry::load_offchain`] succeeded
		/// on this thread.
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
			BOUNDS.with(|b| b.borrow().unwrap_or(MOCK_BOUNDS))
		}

		fn model(id: ModelId) -> Option<ModelSummary<AccountId, Balance>> {
			Self::summary(id, false)
		}

		fn kept_model(id: ModelId) -> Option<ModelSummary<AccountId, Balance>> {
			Self::summary(id, true)
		}

		fn load(id: ModelId) -> Result<Model, DispatchError> {
			let blob = MODELS
				.with(|m| m.borrow().get(id as usize).filter(|e| Self::kept(e)).map(|e| e.blob.clone()))
				.ok_or(DispatchError::Other("MockModels: unknown model"))?;
			let model = Model::decode_blob(&blob, &Bounds::default())
				.map_err(|_| DispatchError::Other("MockModels: undecodable model"))?;
			LOADS.with(|l| *l.borrow_mut() += 1);
			Ok(model)
		}

		fn load_offchain(id: ModelId) -> Result<modelchain_nn_host::OffchainModel, DispatchError> {
			let blob = MODELS
				.with(|m| m.borrow().get(id as usize).filter(|e| Self::kept(e)).map(|e| e.blob.clone()))
				.ok_or(DispatchError::Other("MockModels: unknown model"))?;
			let model = modelchain_nn_host::OffchainModel::load(BlakeTwo256::hash(&blob).0, &blob, &Bounds::default())
				.map_err(|_| DispatchError::Other("MockModels: undecodable model"))?;
			LOADS.with(|l| *l.borrow_mut() += 1);
			Ok(model)
		}

		fn acquire(id: ModelId, uses: u32) -> Result<(), DispatchError> {
			MODELS.with(|m| {
				let mut m = m.borrow_mut();
				let e = m
					.get_mut(id as usize)
					.filter(|e| !e.retired)
					.ok_or(DispatchError::Other("MockModels: unknown model"))?;
				e.users = e
					.users
					.checked_add(uses)
					.ok_or(DispatchError::Arithmetic(polkadot_sdk::sp_runtime::ArithmeticError::Overflow))?;
				Ok(())
			})
		}

		fn release(id: ModelId) {
			MODELS.with(|m| {
				let mut m = m.borrow_mut();
				let e = m.get_mut(id as usize).expect("MockModels::release of a model never acquired");
				e.users = e.users.checked_sub(1).expect("MockModels::release without acquire");
			})
		}

		fn users(id: ModelId) -> u32 {
			MODELS.with(|m| m.borrow().get(id as usize).map_or(0, |e| e.users))
		}

		fn register_for(owner: &AccountId, blob_hash: crate::Hash, fee: Balance) -> Result<ModelId, DispatchError> {
			let blob = NOTED
				.with(|n| n.borrow().iter().find(|b| BlakeTwo256::hash(b) == blob_hash).cloned())
				.ok_or(DispatchError::Other("MockModels: blob not noted"))?;
			Model::decode_blob(&blob, &Self::bounds())
				.map_err(|_| DispatchError::Other("MockModels: invalid model"))?;
			Ok(Self::add(owner, blob, fee))
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn make_benchmark_model(owner: &AccountId, blob: Vec<u8>, fee: Balance) -> Result<ModelId, DispatchError> {
			Ok(Self::add(owner, blob, fee))
		}
	}
}
