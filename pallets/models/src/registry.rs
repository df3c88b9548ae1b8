//! The registry as other pallets see it: [`ModelRegistry`] for [`Pallet`].

use crate::*;
use frame_support::pallet_prelude::DispatchError;
use frame_support::traits::{Get, QueryPreimage};
use modelchain_nn::{Bounds, Model};

impl<T: Config> ModelRegistry<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;

	fn bounds() -> Bounds {
		T::ModelBounds::get()
	}

	fn model(id: ModelId) -> Option<ModelSummary<T::AccountId, BalanceOf<T>>> {
		Models::<T>::get(id).filter(|info| !info.retired).map(|info| info.summary())
	}

	fn kept_model(id: ModelId) -> Option<ModelSummary<T::AccountId, BalanceOf<T>>> {
		Models::<T>::get(id).map(|info| info.summary())
	}

	fn acquire(id: ModelId, uses: u32) -> Result<(), DispatchError> {
		let mut info = Self::active(id)?;
		info.users = info.users.checked_add(uses).ok_or(sp_runtime::ArithmeticError::Overflow)?;
		Models::<T>::insert(id, info);
		Ok(())
	}

	fn register_for(
		owner: &T::AccountId,
		blob_hash: modelchain_primitives::Hash,
		fee: BalanceOf<T>,
	) -> Result<ModelId, DispatchError> {
		Self::register(owner.clone(), blob_hash, Default::default(), fee).map(|(id, _)| id)
	}

	fn release(id: ModelId) {
		let Some(mut info) = Models::<T>::get(id) else {
			frame_support::defensive!("a model in use is kept");
			return;
		};
		info.users = info.users.saturating_sub(1);
		if info.retired && info.users == 0 {
			Self::remove(id, &info);
		} else {
			Models::<T>::insert(id, info);
		}
	}

	fn users(id: ModelId) -> u32 {
		Models::<T>::get(id).map_or(0, |info| info.users)
	}

	fn load(id: ModelId) -> Result<Model, DispatchError> {
		let info = Models::<T>::get(id).ok_or(Error::<T>::UnknownModel)?;
		// The stored length reads exactly the registered preimage. The bounds are today's: a
		// runtime upgrade that tightens them makes larger models fail here with the same
		// errors as at registration.
		Self::fetch_and_decode(&info.blob_hash, Some(info.blob_len)).map(|(model, _, _)| model)
	}

	fn load_offchain(id: ModelId) -> Result<modelchain_nn_host::OffchainModel, DispatchError> {
		let info = Models::<T>::get(id).ok_or(Error::<T>::UnknownModel)?;
		let blob = T::Preimages::fetch(&info.blob_hash, Some(info.blob_len)).map_err(|_| Error::<T>::BlobNotFound)?;
		modelchain_nn_host::OffchainModel::load(info.blob_hash.0, &blob, &T::ModelBounds::get())
			.map_err(Self::model_error)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn make_benchmark_model(
		owner: &T::AccountId,
		blob: alloc::vec::Vec<u8>,
		fee: BalanceOf<T>,
	) -> Result<ModelId, DispatchError> {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::traits::Saturating;
		let needed = Self::deposit_for(0).saturating_add(T::Currency::minimum_balance());
		if T::Currency::balance(owner) < needed {
			T::Currency::set_balance(owner, needed);
		}
		Self::note_and_register(owner.clone(), blob, fee, Default::default())
	}
}
