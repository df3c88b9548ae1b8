//! The off-chain worker: runs this node's assignments and submits the answers.
//!
//! Each block, for every worker key in the node's keystore, it collects the open requests the
//! key's worker (the stash that named the key) is assigned to, runs them with `modelchain-nn` (each model decoded once per
//! run) within `OffchainCostPerBlock`, and submits up to `MaxAnswersPerSubmission` answers in
//! one signed `submit_predictions`. A persistent-storage lock and a "last block run" marker keep
//! a re-run of the same block (or a re-org to it) from submitting again; answers already sent
//! are not re-sent for [`RESEND_AFTER`] blocks, long enough for the transaction to be included.

use crate::*;
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{
	offchain::{SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use modelchain_nn::Model;
use modelchain_primitives::models::ModelId;
use sp_runtime::{
	offchain::{
		storage::StorageValueRef,
		storage_lock::{BlockAndTime, StorageLock},
		Duration,
	},
	traits::Saturating,
};

/// Persistent-storage key of the lock held while the worker runs.
pub const LOCK_KEY: &[u8] = b"ml-predictions::lock";
/// Persistent-storage key of the last block the worker ran for.
pub const LAST_RUN_KEY: &[u8] = b"ml-predictions::last-run";
/// Prefix of the per-account record of answers sent and when.
pub const SENT_KEY_PREFIX: &[u8] = b"ml-predictions::sent::";
/// Blocks after which an answer that is still not on chain is sent again (its transaction
/// may have been dropped).
pub const RESEND_AFTER: u32 = 5;
/// The lock expires after this long, or one block, whichever is later, so a crashed run
/// cannot block the worker for good.
pub const LOCK_TIMEOUT_MS: u64 = 20_000;

/// An answer ready to submit.
pub type Answer<T> = (RequestId, Prediction<<T as Config>::MaxOutputLen>);

impl<T: Config> Pallet<T> {
	pub(crate) fn run_offchain_worker(now: BlockNumberFor<T>) {
		let signer = Signer::<T, T::AuthorityId>::all_accounts();
		if !signer.can_sign() {
			return;
		}
		let mut lock = StorageLock::<BlockAndTime<frame_system::Pallet<T>>>::with_block_and_time_deadline(
			LOCK_KEY,
			1,
			Duration::from_millis(LOCK_TIMEOUT_MS),
		);
		let Ok(_guard) = lock.try_lock() else {
			log::debug!(target: LOG_TARGET, "another off-chain worker run holds the lock");
			return;
		};
		let first_run =
			StorageValueRef::persistent(LAST_RUN_KEY).mutate(|last: Result<Option<BlockNumberFor<T>>, _>| match last {
				Ok(Some(last)) if last >= now => Err(()),
				_ => Ok(now),
			});
		if first_run.is_err() {
			return;
		}

		let mut budget = T::OffchainCostPerBlock::get();
		let mut models = BTreeMap::new();
		for account in Signer::<T, T::AuthorityId>::keystore_accounts() {
			// The key signs; the work is its stash's.
			let Some(worker) = T::Workers::worker_of_key(&account.id) else { continue };
			let answers = Self::compute_answers(&worker, now, &mut budget, &mut models);
			if answers.is_empty() {
				continue;
			}
			let ids: Vec<RequestId> = answers.iter().map(|(id, _)| *id).collect();
			let Ok(answers) = BoundedVec::try_from(answers) else { continue };
			let results = Signer::<T, T::AuthorityId>::all_accounts()
				.with_filter(alloc::vec![account.public.clone()])
				.send_signed_transaction(|_| Call::submit_predictions { answers: answers.clone() });
			for (_, result) in results {
				match result {
					Ok(()) => Self::mark_sent(&worker, &ids, now),
					Err(()) => log::warn!(target: LOG_TARGET, "submitting answers {ids:?} failed"),
				}
			}
		}
	}

	/// The answers `worker` owes now, computed within `budget` (decreased by what they cost).
	pub fn compute_answers(
		worker: &T::AccountId,
		now: BlockNumberFor<T>,
		budget: &mut u64,
		models: &mut BTreeMap<ModelId, Option<(u64, Model)>>,
	) -> Vec<Answer<T>> {
		let sent = Self::recently_sent(worker, now);
		let mut answers = Vec::new();
		for id in Assignments::<T>::iter_key_prefix(worker) {
			if answers.len() as u32 >= T::MaxAnswersPerSubmission::get() {
				break;
			}
			if sent.iter().any(|(s, _)| *s == id) {
				continue;
			}
			// An answer computed at block `now` is included at `now + 1` at the earliest.
			let Some(req) = Requests::<T>::get(id).filter(|r| r.deadline > now) else { continue };
			let entry = models.entry(req.model).or_insert_with(|| {
				let cost = T::Models::model(req.model)?.cost;
				Some((cost, T::Models::load(req.model).ok()?))
			});
			let Some((cost, model)) = entry.as_ref() else { continue };
			if *cost > *budget {
				continue;
			}
			*budget = budget.saturating_sub(*cost);
			match model.run(&req.input).map(Prediction::from_output) {
				Ok(Some(prediction)) => answers.push((id, prediction)),
				other => log::warn!(target: LOG_TARGET, "request {id}: cannot answer ({other:?})"),
			}
		}
		answers
	}

	fn sent_key(worker: &T::AccountId) -> Vec<u8> {
		let mut key = SENT_KEY_PREFIX.to_vec();
		key.extend(codec::Encode::encode(worker));
		key
	}

	/// Answers `worker` sent in the last `RESEND_AFTER` blocks.
	fn recently_sent(worker: &T::AccountId, now: BlockNumberFor<T>) -> Vec<(RequestId, BlockNumberFor<T>)> {
		let key = Self::sent_key(worker);
		let sent: Vec<(RequestId, BlockNumberFor<T>)> =
			StorageValueRef::persistent(&key).get().ok().flatten().unwrap_or_default();
		sent.into_iter().filter(|(_, at)| at.saturating_add(RESEND_AFTER.into()) > now).collect()
	}

	fn mark_sent(worker: &T::AccountId, ids: &[RequestId], now: BlockNumberFor<T>) {
		let mut sent = Self::recently_sent(worker, now);
		sent.extend(ids.iter().map(|id| (*id, now)));
		StorageValueRef::persistent(&Self::sent_key(worker)).set(&sent);
	}
}
