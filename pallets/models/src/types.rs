//! Types kept in storage and used in calls and events.

use crate::Config;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::models::{ModelSummary, OutputKind};
use polkadot_sdk::{frame_support, frame_system, sp_core::H256};
use scale_info::TypeInfo;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	modelchain_primitives::funds::BalanceOf<<T as Config>::Currency, <T as frame_system::Config>::AccountId>;

/// Free-form bytes describing a model (name, task, input encoding, a link), at most
/// `MaxMetadataLen` long. The chain does not interpret them.
pub type MetadataOf<T> = BoundedVec<u8, <T as Config>::MaxMetadataLen>;

/// A registered model. What [`ModelSummary`] exposes to other pallets, plus what only this
/// pallet needs: the deposit, the metadata and the registration block.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound(T: Config))]
pub struct ModelInfo<T: Config> {
	/// Receives the fee and pays the deposit; the only account that can change or retire the
	/// model.
	pub owner: T::AccountId,
	/// `blake2_256` of the model blob, its `pallet-preimage` hash. Requested while the model
	/// is registered, so the blob cannot be removed.
	pub blob_hash: H256,
	/// Length of the blob in bytes, so loading it reads exactly that preimage.
	pub blob_len: u32,
	/// Elements (`i8`) of one input.
	pub input_len: u32,
	/// Elements of the model's last tensor: classes, or regression outputs. At most
	/// `MaxOutputLen`.
	pub output_len: u32,
	/// Whether an answer is a class index or fixed-point regression values.
	pub output: OutputKind,
	/// Cost of one inference in multiply-accumulate equivalents (`Model::cost`).
	pub cost: u64,
	/// Fee the owner asks per answered prediction.
	pub fee: BalanceOf<T>,
	/// Amount actually held from the owner under `HoldReason::ModelDeposit` for this model.
	/// Stored, not recomputed, so a change of the deposit constants never releases more or less
	/// than was taken.
	pub deposit: BalanceOf<T>,
	/// The owner's description of the model.
	pub metadata: MetadataOf<T>,
	/// Block in which the model was registered.
	pub registered_at: BlockNumberFor<T>,
	/// Open tasks (prediction requests, results still challengeable) that use the model. A
	/// model in use cannot disappear from under them: retiring it only stops new tasks until
	/// the last one ends.
	pub users: u32,
	/// Retired by its owner or `ForceOrigin` while in use: no new tasks, no owner actions; it
	/// is removed (blob unrequested, deposit released) when `users` reaches zero.
	pub retired: bool,
}

impl<T: Config> ModelInfo<T> {
	/// The view other pallets get through `ModelRegistry::model`.
	pub fn summary(&self) -> ModelSummary<T::AccountId, BalanceOf<T>> {
		ModelSummary {
			owner: self.owner.clone(),
			fee: self.fee,
			blob_hash: self.blob_hash,
			blob_len: self.blob_len,
			input_len: self.input_len,
			output_len: self.output_len,
			output: self.output,
			cost: self.cost,
		}
	}
}

/// How a call names an account: whatever the runtime's `Lookup` accepts (an address, an
/// index, ...).
pub type AccountIdLookupOf<T> =
	<<T as frame_system::Config>::Lookup as polkadot_sdk::sp_runtime::traits::StaticLookup>::Source;

/// A model registered at genesis: `(owner, blob, fee, metadata)`.
pub type GenesisModelOf<T> =
	(<T as frame_system::Config>::AccountId, alloc::vec::Vec<u8>, BalanceOf<T>, alloc::vec::Vec<u8>);
