//! The calls' logic. Every function checks everything before it writes anything, so a failed
//! call leaves no trace even outside a transactional layer.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::{DispatchError, DispatchResult},
	traits::{Get, QueryPreimage, StorePreimage},
};
use modelchain_nn::{Error as NnError, Model, Summary};
use modelchain_primitives::funds;
use sp_core::H256;
use sp_runtime::{
	traits::{Saturating, StaticLookup},
	ArithmeticError,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register_model(
		owner: T::AccountId,
		blob_hash: H256,
		metadata: MetadataOf<T>,
		fee: BalanceOf<T>,
	) -> DispatchResultWithPostInfo {
		let metadata_len = metadata.len() as u32;
		let (_, blob_len) = Self::register(owner, blob_hash, metadata, fee)?;
		// The call was weighed for the longest blob the bounds allow; charge for this one.
		Ok(Some(T::WeightInfo::register_model(blob_len, metadata_len)).into())
	}

	pub(crate) fn do_set_fee(who: T::AccountId, model: ModelId, fee: BalanceOf<T>) -> DispatchResult {
		let mut info = Self::owned(&who, model)?;
		info.fee = fee;
		Models::<T>::insert(model, info);
		Self::deposit_event(Event::FeeChanged { model, fee });
		Ok(())
	}

	pub(crate) fn do_set_metadata(who: T::AccountId, model: ModelId, metadata: MetadataOf<T>) -> DispatchResult {
		let mut info = Self::owned(&who, model)?;
		let deposit = Self::deposit_for(metadata.len());
		if deposit > info.deposit {
			Self::hold(&who, deposit.saturating_sub(info.deposit))?;
		} else {
			Self::release(&who, info.deposit.saturating_sub(deposit));
		}
		info.deposit = deposit;
		info.metadata = metadata;
		Models::<T>::insert(model, info);
		Self::deposit_event(Event::MetadataChanged { model, deposit });
		Ok(())
	}

	/// Retires `model`, checking that `who` owns it unless `who` is `None` (`ForceOrigin`).
	/// A model in use is only marked retired; the last user's release removes it.
	pub(crate) fn do_retire_model(who: Option<T::AccountId>, model: ModelId) -> DispatchResult {
		let mut info = match who {
			Some(who) => Self::owned(&who, model)?,
			None => Self::active(model)?,
		};
		PendingOwner::<T>::remove(model);
		Self::deposit_event(Event::ModelRetired { model, in_use_by: info.users });
		if info.users == 0 {
			Self::remove(model, &info);
		} else {
			info.retired = true;
			Models::<T>::insert(model, info);
		}
		Ok(())
	}

	/// Removes a model for good: its blob is unrequested and its deposit released.
	pub(crate) fn remove(model: ModelId, info: &ModelInfo<T>) {
		T::Preimages::unrequest(&info.blob_hash);
		Self::release(&info.owner, info.deposit);
		Models::<T>::remove(model);
		Self::deposit_event(Event::ModelRemoved { model });
	}

	pub(crate) fn do_transfer_ownership(
		who: T::AccountId,
		model: ModelId,
		new_owner: AccountIdLookupOf<T>,
	) -> DispatchResult {
		let new_owner = T::Lookup::lookup(new_owner)?;
		Self::owned(&who, model)?;
		ensure!(new_owner != who, Error::<T>::AlreadyOwner);
		PendingOwner::<T>::insert(model, &new_owner);
		Self::deposit_event(Event::OwnershipOffered { model, from: who, to: new_owner });
		Ok(())
	}

	pub(crate) fn do_accept_ownership(who: T::AccountId, model: ModelId) -> DispatchResult {
		let mut info = Self::active(model)?;
		ensure!(PendingOwner::<T>::get(model).as_ref() == Some(&who), Error::<T>::NotPendingOwner);
		// The new owner pays at today's rate: deposit constants may have changed since the
		// model was registered.
		let deposit = Self::deposit_for(info.metadata.len());
		Self::hold(&who, deposit)?;
		Self::release(&info.owner, info.deposit);
		let from = core::mem::replace(&mut info.owner, who.clone());
		info.deposit = deposit;
		Models::<T>::insert(model, info);
		PendingOwner::<T>::remove(model);
		Self::deposit_event(Event::OwnershipTransferred { model, from, to: who });
		Ok(())
	}

	pub(crate) fn do_cancel_ownership_offer(who: T::AccountId, model: ModelId) -> DispatchResult {
		Self::owned(&who, model)?;
		ensure!(PendingOwner::<T>::contains_key(model), Error::<T>::NoPendingOffer);
		PendingOwner::<T>::remove(model);
		Self::deposit_event(Event::OwnershipOfferCancelled { model });
		Ok(())
	}

	/// Registers the noted blob `blob_hash` as a model of `owner`: the path shared by the call,
	/// genesis and benchmarks. Returns the new identifier and the blob length.
	pub(crate) fn register(
		owner: T::AccountId,
		blob_hash: H256,
		metadata: MetadataOf<T>,
		fee: BalanceOf<T>,
	) -> Result<(ModelId, u32), DispatchError> {
		let model = NextModelId::<T>::get();
		let next = model.checked_add(1).ok_or(ArithmeticError::Overflow)?;
		let (decoded, summary, blob_len) = Self::fetch_and_decode(&blob_hash, None)?;
		ensure!(summary.output_len <= T::MaxOutputLen::get(), Error::<T>::TooManyOutputs);
		let deposit = Self::deposit_for(metadata.len());
		Self::hold(&owner, deposit)?;
		T::Preimages::request(&blob_hash);
		let info = ModelInfo::<T> {
			owner: owner.clone(),
			blob_hash,
			blob_len,
			input_len: summary.input_len,
			output_len: summary.output_len,
			output: decoded.output,
			cost: summary.cost,
			fee,
			deposit,
			metadata,
			registered_at: frame_system::Pallet::<T>::block_number(),
			users: 0,
			retired: false,
		};
		Models::<T>::insert(model, info);
		NextModelId::<T>::put(next);
		Self::deposit_event(Event::ModelRegistered { model, owner, blob_hash, fee });
		Ok((model, blob_len))
	}

	/// Reads the blob `blob_hash` and decodes it within `ModelBounds`. The length is checked
	/// against the bound before the blob is read, so an oversized preimage costs one small
	/// read. `known_len` skips the length lookup when the caller stored it.
	pub(crate) fn fetch_and_decode(
		blob_hash: &H256,
		known_len: Option<u32>,
	) -> Result<(Model, Summary, u32), DispatchError> {
		let bounds = T::ModelBounds::get();
		let blob_len = match known_len {
			Some(len) => len,
			None => T::Preimages::len(blob_hash).ok_or(Error::<T>::BlobNotFound)?,
		};
		ensure!(blob_len <= bounds.max_blob_len, Error::<T>::BlobTooLarge);
		let blob = T::Preimages::fetch(blob_hash, Some(blob_len)).map_err(|_| Error::<T>::BlobNotFound)?;
		let model = Model::decode_blob(&blob, &bounds).map_err(Self::model_error)?;
		// `decode_blob` validated the model already; this second pass only returns the
		// summary and is linear in the number of layers, not in the blob.
		let summary = model.validate(&bounds).map_err(Self::model_error)?;
		Ok((model, summary, blob_len))
	}

	/// The pallet error for an engine error. Pallet errors cannot carry the engine's (module
	/// errors have 4 bytes), so the variants are grouped by what the owner has to fix; the
	/// README lists the mapping. Decoding the blob off chain gives the exact error.
	pub(crate) fn model_error(error: NnError) -> DispatchError {
		let error = match error {
			NnError::BlobTooLarge => Error::<T>::BlobTooLarge,
			NnError::UnsupportedVersion { .. } => Error::<T>::UnsupportedModelVersion,
			NnError::UnexpectedEnd
			| NnError::TrailingBytes
			| NnError::InvalidTag { .. }
			| NnError::InvalidLength
			| NnError::Overflow => Error::<T>::MalformedModel,
			NnError::TooManyLayers
			| NnError::TooManyParameters
			| NnError::DimensionTooLarge { .. }
			| NnError::TensorTooLarge { .. }
			| NnError::FanInTooLarge { .. }
			| NnError::TooManyMacs
			| NnError::CostTooHigh => Error::<T>::ModelExceedsBounds,
			NnError::InvalidRank { .. }
			| NnError::ZeroDimension { .. }
			| NnError::ShapeMismatch { .. }
			| NnError::ParameterCountMismatch { .. }
			| NnError::RequantCountMismatch { .. }
			| NnError::InvalidWindow { .. } => Error::<T>::InvalidModelShape,
			// Inference and dataset errors; decoding a model blob does not produce them.
			NnError::InputLengthMismatch { .. }
			| NnError::DatasetShapeMismatch
			| NnError::TooManySamples
			| NnError::EmptyDataset
			| NnError::ChunkTooSmall
			| NnError::MetricMismatch => Error::<T>::MalformedModel,
		};
		error.into()
	}

	/// `ModelDeposit` plus `MetadataDepositPerByte` per metadata byte, saturating.
	pub fn deposit_for(metadata_len: usize) -> BalanceOf<T> {
		let bytes = BalanceOf::<T>::from(u32::try_from(metadata_len).unwrap_or(u32::MAX));
		T::ModelDeposit::get().saturating_add(T::MetadataDepositPerByte::get().saturating_mul(bytes))
	}

	/// The model `model`, if it is registered and not retired.
	pub(crate) fn active(model: ModelId) -> Result<ModelInfo<T>, DispatchError> {
		Models::<T>::get(model).filter(|info| !info.retired).ok_or_else(|| Error::<T>::UnknownModel.into())
	}

	/// The model `model`, if it is registered, not retired, and `who` owns it.
	fn owned(who: &T::AccountId, model: ModelId) -> Result<ModelInfo<T>, DispatchError> {
		let info = Self::active(model)?;
		ensure!(info.owner == *who, Error::<T>::NotOwner);
		Ok(info)
	}

	/// Holds `amount` on `who`, with a pallet error when the free balance cannot cover it.
	fn hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		funds::hold::<T::Currency, _>(&HoldReason::ModelDeposit.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalance.into())
	}

	/// Releases up to `amount` of `who`'s model deposit. Best effort, so that retiring a model
	/// can never be blocked by a hold that is somehow smaller than recorded (`try_state`
	/// reports that case).
	fn release(who: &T::AccountId, amount: BalanceOf<T>) {
		funds::release::<T::Currency, _>(&HoldReason::ModelDeposit.into(), who, amount);
	}

	/// Notes `blob` in the preimage store (without a deposit) and registers it as a model of
	/// `owner`, for genesis and benchmarks.
	///
	/// `StorePreimage::note` of a new blob counts as one request of it; that request is
	/// dropped again after registering so the model's own request is the only one and retiring
	/// the model removes the blob. A blob that was already stored is registered as it is.
	pub(crate) fn note_and_register(
		owner: T::AccountId,
		blob: Vec<u8>,
		fee: BalanceOf<T>,
		metadata: MetadataOf<T>,
	) -> Result<ModelId, DispatchError> {
		let hash = H256::from(sp_io::hashing::blake2_256(&blob));
		let newly_noted = T::Preimages::len(&hash).is_none();
		if newly_noted {
			T::Preimages::note(blob.into())?;
		}
		let registered = Self::register(owner, hash, metadata, fee);
		if newly_noted {
			T::Preimages::unrequest(&hash);
		}
		registered.map(|(model, _)| model)
	}

	/// Registers the genesis models. A bad entry stops the chain from being built at all,
	/// which is what one wants at genesis.
	pub(crate) fn build_genesis(models: &[GenesisModelOf<T>]) {
		for (index, (owner, blob, fee, metadata)) in models.iter().enumerate() {
			let metadata = MetadataOf::<T>::try_from(metadata.clone())
				.unwrap_or_else(|_| panic!("genesis model #{index} of {owner:?}: metadata longer than MaxMetadataLen"));
			Self::note_and_register(owner.clone(), blob.clone(), *fee, metadata).unwrap_or_else(|e| {
				panic!("genesis model #{index} of {owner:?} ({} bytes) cannot be registered: {e:?}", blob.len())
			});
		}
	}
}
