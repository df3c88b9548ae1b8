//! # ModelChain model registry
//!
//! Owners register models for prediction requests. A model is a `modelchain-nn` blob kept in
//! `pallet-preimage` under its `blake2_256` hash; registering one checks that the blob decodes
//! as a valid model within [`Config::ModelBounds`], requests the preimage so it stays on chain
//! while the model is registered, and holds a deposit from the owner under
//! [`HoldReason::ModelDeposit`]. The owner sets the fee per prediction, the metadata, can hand
//! the model over to another account and retire it.
//!
//! Other pallets see the registry through [`modelchain_primitives::models::ModelRegistry`]:
//! [`ModelRegistry::model`] gives a model's summary without touching its blob, and
//! [`ModelRegistry::load`] fetches and decodes the blob for on-chain re-execution.
//!
//! See the crate's `README.md` for the calls, errors, the deposit rule and the preimage
//! lifecycle.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
mod hooks;
#[cfg(test)]
mod mock;
#[cfg(any(test, feature = "runtime-benchmarks"))]
pub mod model_builder;
mod registry;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use modelchain_primitives::models::{ModelId, ModelRegistry, ModelSummary};
use polkadot_sdk::{frame_support, frame_system, sp_core, sp_io, sp_runtime};

#[frame_support::pallet]
// The FRAME macros expand to `expect`s on values they construct themselves (storage prefixes,
// pallet info); the pallet's own logic lives outside this module, under the full lint wall.
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, BuildGenesisConfig, EnsureOrigin, QueryPreimage, StorePreimage},
	};
	use frame_system::pallet_prelude::*;
	use modelchain_nn::Bounds;
	use sp_core::H256;
	use sp_runtime::traits::BlakeTwo256;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency deposits are taken in (ModelCoin). Deposits are holds under
		/// [`HoldReason::ModelDeposit`] on the owner's account, never transfers.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::hold::Mutate<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reason, which includes this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// The blob store (`pallet-preimage`). Registered models' blobs are requested from it so
		/// they cannot be removed while in use.
		type Preimages: QueryPreimage<H = BlakeTwo256> + StorePreimage;

		/// Limits a model blob is decoded against, at registration and at every load. The blob
		/// length bound is checked before the blob is read.
		#[pallet::constant]
		type ModelBounds: Get<Bounds>;

		/// Most elements a model's output may have. Other pallets store outputs bounded by it.
		#[pallet::constant]
		type MaxOutputLen: Get<u32>;

		/// Flat deposit held from the owner for each registered model.
		#[pallet::constant]
		type ModelDeposit: Get<BalanceOf<Self>>;

		/// Deposit held per byte of a model's metadata, on top of `ModelDeposit`.
		#[pallet::constant]
		type MetadataDepositPerByte: Get<BalanceOf<Self>>;

		/// Longest metadata, in bytes.
		#[pallet::constant]
		type MaxMetadataLen: Get<u32>;

		/// May retire any model (root or governance), e.g. one that is illegal or abusive.
		type ForceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls and of loading a model.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Deposit for a registered model: `ModelDeposit` plus `MetadataDepositPerByte` per
		/// metadata byte, released when the model is retired or handed over.
		#[codec(index = 0)]
		ModelDeposit,
	}

	/// Identifier the next registered model gets. Identifiers are never reused.
	#[pallet::storage]
	pub type NextModelId<T: Config> = StorageValue<_, ModelId, ValueQuery>;

	/// Registered models, by identifier. A retired model stays while open tasks use it
	/// (`retired` set), then is removed.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelInfo<T>, OptionQuery>;

	/// Ownership offered by a model's owner and not yet accepted: the account that may accept.
	#[pallet::storage]
	pub type PendingOwner<T: Config> = StorageMap<_, Twox64Concat, ModelId, T::AccountId, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered; its blob is now requested and its deposit held.
		ModelRegistered { model: ModelId, owner: T::AccountId, blob_hash: H256, fee: BalanceOf<T> },
		/// The owner changed the fee per prediction.
		FeeChanged { model: ModelId, fee: BalanceOf<T> },
		/// The owner changed the metadata; `deposit` is what is now held for the model.
		MetadataChanged { model: ModelId, deposit: BalanceOf<T> },
		/// The model was retired (by its owner or `ForceOrigin`): it takes no new tasks. If no
		/// task used it, it was removed at once (`ModelRemoved` follows); otherwise its blob
		/// stays loadable until the `in_use_by` open tasks end.
		ModelRetired {
			/// The model.
			model: ModelId,
			/// Open tasks still using it.
			in_use_by: u32,
		},
		/// A retired model's last task ended (or it had none): its deposit was released and its
		/// blob unrequested.
		ModelRemoved {
			/// The model.
			model: ModelId,
		},
		/// The owner offered the model to `to`, who can now accept it.
		OwnershipOffered { model: ModelId, from: T::AccountId, to: T::AccountId },
		/// The owner withdrew a pending ownership offer.
		OwnershipOfferCancelled { model: ModelId },
		/// `to` accepted the model: the deposit is now held from `to` and released to `from`.
		OwnershipTransferred { model: ModelId, from: T::AccountId, to: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No preimage with this hash is stored: note the blob with `preimage.notePreimage`
		/// first.
		BlobNotFound,
		/// The blob is longer than `ModelBounds::max_blob_len`.
		BlobTooLarge,
		/// The blob's version byte is not one this runtime's engine understands.
		UnsupportedModelVersion,
		/// The blob is not a well-formed model: truncated, trailing bytes, an unknown layer or
		/// output tag, or an invalid length prefix.
		MalformedModel,
		/// The model is larger than `ModelBounds` allow: layers, parameters, a dimension, a
		/// tensor, fan-in, multiply-accumulates or total cost (pooling and lookups count too).
		ModelExceedsBounds,
		/// The layers do not fit together: wrong rank, zero dimension, shape mismatch, parameter
		/// or requantizer count mismatch, or a window that does not fit.
		InvalidModelShape,
		/// The model's output has more elements than `MaxOutputLen`.
		TooManyOutputs,
		/// The account's free balance cannot cover the deposit (it must also keep the existential
		/// deposit).
		InsufficientBalance,
		/// No registered model has this identifier (never registered, or retired).
		UnknownModel,
		/// Only the model's owner may do this.
		NotOwner,
		/// The account already owns the model.
		AlreadyOwner,
		/// The caller is not the account the model was offered to, or no offer is pending.
		NotPendingOwner,
		/// The model has no pending ownership offer.
		NoPendingOffer,
	}

	/// Models registered at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// `(owner, blob, fee, metadata)`: each blob is noted as a preimage without a deposit
		/// and registered as the owner's model; the model deposit is held from the owner's
		/// genesis balance. Identifiers are assigned from 0 in this order.
		pub models: Vec<GenesisModelOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::build_genesis(&self.models);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			Self::do_integrity_test()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the blob already noted in `pallet-preimage` under `blob_hash` as a model of
		/// the caller, answering predictions for `fee` each. The blob must decode as a valid
		/// model within `ModelBounds`, with at most `MaxOutputLen` outputs. Holds `ModelDeposit`
		/// plus `MetadataDepositPerByte` per metadata byte and requests the preimage. The same
		/// blob may be registered several times.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_model(T::ModelBounds::get().max_blob_len, metadata.len() as u32))]
		pub fn register_model(
			origin: OriginFor<T>,
			blob_hash: H256,
			metadata: MetadataOf<T>,
			#[pallet::compact] fee: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			Self::do_register_model(owner, blob_hash, metadata, fee)
		}

		/// Sets the fee per answered prediction of the caller's model. Requests already made
		/// keep the fee they were made with.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_fee())]
		pub fn set_fee(origin: OriginFor<T>, model: ModelId, #[pallet::compact] fee: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_fee(who, model, fee)
		}

		/// Replaces the metadata of the caller's model and brings the deposit to the current
		/// rule: more is held, or the difference released.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_metadata(metadata.len() as u32))]
		pub fn set_metadata(origin: OriginFor<T>, model: ModelId, metadata: MetadataOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_metadata(who, model, metadata)
		}

		/// Retires the caller's model: it takes no new prediction requests and any pending
		/// ownership offer is dropped. Its blob is unrequested and its deposit released at once
		/// if no open task uses it, otherwise when the last one ends (open requests, and results
		/// until they are pruned, so every result can still be challenged).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_retire_model(Some(who), model)
		}

		/// Offers the caller's model to `new_owner`, who becomes owner by calling
		/// `accept_ownership`. A new offer replaces a pending one.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::transfer_ownership())]
		pub fn transfer_ownership(
			origin: OriginFor<T>,
			model: ModelId,
			new_owner: AccountIdLookupOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer_ownership(who, model, new_owner)
		}

		/// Accepts a model offered to the caller: the deposit is held from the caller at the
		/// current rate and the previous owner's is released.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::accept_ownership())]
		pub fn accept_ownership(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_accept_ownership(who, model)
		}

		/// Retires any model, as `retire_model` does for its owner. Only `ForceOrigin`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::force_retire_model())]
		pub fn force_retire_model(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			T::ForceOrigin::ensure_origin(origin)?;
			Self::do_retire_model(None, model)
		}

		/// Withdraws the pending ownership offer of the caller's model.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::cancel_ownership_offer())]
		pub fn cancel_ownership_offer(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_ownership_offer(who, model)
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The registered model `id`: owner, blob, shape, cost, fee, deposit and metadata.
		pub fn model(id: ModelId) -> Option<ModelInfo<T>> {
			Models::<T>::get(id)
		}
	}
}
