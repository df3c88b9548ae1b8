//! Configuration checks and state invariants.

use crate::*;
use frame_support::traits::{Get, StorePreimage};

/// Most memory, in bytes, that loading and running the largest model the bounds allow may
/// need: half of the 128 MiB the node's executor gives a runtime instance by default
/// (`DEFAULT_HEAP_ALLOC_PAGES`, 2048 pages of 64 KiB), leaving the other half to the rest of
/// the block.
pub const MODEL_MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

impl<T: Config> Pallet<T> {
	/// Checks the relations between the configuration constants.
	pub(crate) fn do_integrity_test() {
		let bounds = T::ModelBounds::get();
		assert!(
			bounds.max_blob_len as u64 <= T::Preimages::MAX_LENGTH as u64,
			"ModelBounds::max_blob_len ({}) exceeds the largest preimage ({})",
			bounds.max_blob_len,
			T::Preimages::MAX_LENGTH
		);
		assert!(
			bounds.max_blob_len <= modelchain_nn::MAX_BLOB_LEN,
			"ModelBounds::max_blob_len ({}) exceeds the engine's MAX_BLOB_LEN ({})",
			bounds.max_blob_len,
			modelchain_nn::MAX_BLOB_LEN
		);
		assert!(T::MaxOutputLen::get() > 0, "MaxOutputLen must be non-zero");
		// Loading a model holds the blob as read from storage, a copy while the storage value is
		// decoded, and the decoded parameters, each at most the blob's size (an `i8` weight
		// takes one byte in both, an `i32` bias four): 3 × blob. Running it holds the input, its
		// working copy, a 16-bit centered copy and the layer's output, about 5 bytes per
		// element of the largest tensor; 16 per element leaves room for allocator overhead.
		// Both must fit in the runtime heap with room to spare, or an on-chain re-execution
		// could run out of memory and fail the whole block.
		let needed = (bounds.max_blob_len as u64)
			.saturating_mul(3)
			.saturating_add((bounds.max_tensor_len as u64).saturating_mul(16));
		assert!(
			needed <= MODEL_MEMORY_LIMIT,
			"ModelBounds need up to {needed} bytes to load and run a model (3 × max_blob_len + 16 × \
			 max_tensor_len), more than {MODEL_MEMORY_LIMIT}"
		);
	}

	/// Checks that the pallet's storage is consistent with itself, with the holds and with the
	/// preimage store.
	/// Compiled in std builds too (not only with `try-runtime`): the runtime's call-sequence fuzzer
	/// runs it after every block without rebuilding the SDK with another feature set.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeMap;
		use frame_support::{
			ensure,
			traits::{fungible::hold::Inspect, QueryPreimage},
		};
		use sp_runtime::traits::{Saturating, Zero};

		let next_id = NextModelId::<T>::get();
		let mut deposits = BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (id, info) in Models::<T>::iter() {
			ensure!(id < next_id, "model id not yet issued");
			ensure!(T::Preimages::is_requested(&info.blob_hash), "a registered model's blob is not requested");
			ensure!(info.output_len <= T::MaxOutputLen::get(), "model output longer than MaxOutputLen");
			ensure!(!info.retired || info.users > 0, "a retired model nobody uses is kept");
			ensure!(!info.retired || !PendingOwner::<T>::contains_key(id), "ownership offered for a retired model");
			let total = deposits.entry(info.owner).or_insert_with(Zero::zero);
			*total = total.saturating_add(info.deposit);
		}
		let reason = HoldReason::ModelDeposit.into();
		for (owner, total) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&reason, &owner) == total,
				"model deposit hold differs from the sum of the owner's models' deposits"
			);
		}
		for (id, pending) in PendingOwner::<T>::iter() {
			let info = Models::<T>::get(id).ok_or("pending ownership offer for an unknown model")?;
			ensure!(info.owner != pending, "ownership offered to the owner");
		}
		Ok(())
	}
}
