//! The off-chain worker: runs this node's assignments and submits the answers.
//!
//! Each block, for every worker key in the node's keystore, it collects the open requests the
//! key's worker (the stash that named the key) is assigned to, earliest deadline first, runs
//! them with `modelchain-nn` within `OffchainCostPerBlock` (a model's blob length counts
//! against the budget too, and is checked before the blob is read, so hostile large models
//! cannot exhaust memory or time before a cheap request is served; one decoded model is kept
//! at a time) and submits up to `MaxAnswersPerSubmission` answers in one signed
//! `submit_predictions`, signed with the next nonce its pending transactions leave free
//! (`modelchain_primitives::offchain`). A persistent-storage lock and a "last block run" marker keep a re-run
//! of the same block (or a re-org to it) from submitting again; answers already sent are sent
//! again after [`RESEND_AFTER`] blocks if they are still not on chain (a transaction still in
//! the pool makes the resend a harmless duplicate; a dropped one is replaced).

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{traits::Get, BoundedVec};
use frame_system::{offchain::Signer, pallet_prelude::BlockNumberFor};
use modelchain_nn_host::OffchainModel;
use modelchain_primitives::{models::ModelId, offchain::send_signed};
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
pub const RESEND_AFTER: u32 = 2;
/// The lock expires after this long, or one block, whichever is later, so a crashed run
/// cannot block the worker for good.
pub const LOCK_TIMEOUT_MS: u64 = 20_000;

/// A submission entry ready to send.
pub type Answer<T> = (RequestId, Submission<<T as Config>::MaxOutputLen>);

/// Prefix of the per-worker record of committed outputs and their salts, kept until revealed.
pub const REVEALS_KEY_PREFIX: &[u8] = b"ml-predictions::reveals::";

/// Which step of a request an entry was: a commitment, or the answer (direct or revealed).
/// The off-chain worker re-sends each step separately.
const COMMIT_STEP: u8 = 0;
const ANSWER_STEP: u8 = 1;

/// The one decoded model an off-chain worker run keeps: answers are computed earliest
/// deadline first, and holding every distinct model would let 30 assigned 4 MiB models fill
/// the runtime's heap.
#[derive(Default)]
pub struct ModelCache {
	held: Option<(ModelId, Option<OffchainModel>)>,
}

impl ModelCache {
	/// Whether model `id` is the one held (loaded, or known not to load).
	pub fn holds(&self, id: ModelId) -> bool {
		matches!(self.held, Some((held, _)) if held == id)
	}

	/// Model `id`, loading it (and dropping the one held) unless it is held already: in the
	/// node's native engine when it offers one (`modelchain-nn-host`), else decoded here.
	pub fn get<T: Config>(&mut self, id: ModelId) -> Option<&OffchainModel> {
		if !self.holds(id) {
			self.held = None;
			self.held = Some((id, T::Models::load_offchain(id).ok()));
		}
		self.held.as_ref().and_then(|(_, model)| model.as_ref())
	}
}

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
		let mut models = ModelCache::default();
		for account in Signer::<T, T::AuthorityId>::keystore_accounts() {
			// The key signs; the work is its stash's.
			let Some(worker) = T::Workers::worker_of_key(&account.id) else { continue };
			let mut ids: Vec<(RequestId, u8)> = Vec::new();
			let sent = send_signed::<T, T::AuthorityId, _>(
				&account,
				now,
				|nonce| Self::went_stale(&worker, nonce, now),
				|plan| {
					// What the given-up transactions carried is owed again, now.
					if let Some(from) = plan.abandoned {
						Self::forget_sent(&worker, from);
					}
					let answers = Self::compute_answers(&worker, now, &mut budget, &mut models);
					ids = answers.iter().map(|(id, entry)| (*id, Self::step(entry))).collect();
					// What a stalled worker's node did, block by block (`ml-predictions=debug`).
					if !ids.is_empty() || plan.abandoned.is_some() {
						log::debug!(
							target: LOG_TARGET,
							"#{now:?} worker {worker:?}: nonce {:?} (chain {:?}, given up from {:?}), sending {ids:?}",
							plan.nonce,
							frame_system::Pallet::<T>::account_nonce(&account.id),
							plan.abandoned,
						);
					}
					let answers = BoundedVec::try_from(answers).ok().filter(|a| !a.is_empty())?;
					Some(Call::submit_predictions { answers })
				},
			);
			match sent {
				Ok(Some(nonce)) => Self::mark_sent(&worker, &ids, now, nonce),
				Ok(None) => {}
				Err(e) => log::warn!(target: LOG_TARGET, "submitting answers {ids:?} failed: {e:?}"),
			}
		}
	}

	/// What `worker` owes now, earliest deadline first: answers (quorum 1), commitments to
	/// freshly computed outputs, and reveals of earlier commitments once reveals are open.
	/// Computing costs `budget` (inference, plus the blob length for every model read);
	/// revealing costs nothing. The outputs and salts of new commitments are stored in the
	/// node's persistent off-chain storage before they are sent, so a crash cannot lose what
	/// must be revealed.
	pub fn compute_answers(
		worker: &T::AccountId,
		now: BlockNumberFor<T>,
		budget: &mut u64,
		models: &mut ModelCache,
	) -> Vec<Answer<T>> {
		let sent = Self::recently_sent(worker, now);
		let was_sent = |id: RequestId, step: u8| sent.iter().any(|(s, st, _, _)| *s == id && *st == step);
		let mut owed: Vec<(BlockNumberFor<T>, RequestId, Request<T>)> = Assignments::<T>::iter_key_prefix(worker)
			.filter_map(|id| Requests::<T>::get(id).map(|req| (id, req)))
			// An entry sent at block `now` is included at `now + 1` at the earliest.
			.filter_map(|(id, req)| req.deadline.filter(|d| *d > now).map(|_| (Self::due(&req, worker), id, req)))
			.collect();
		// The step due first goes first: commitments before their commit deadline, answers and
		// reveals before the request's deadline.
		owed.sort_by_key(|(due, id, _)| (*due, *id));
		let next = now.saturating_add(1u32.into());
		let mut reveals = Self::pending_reveals(worker);
		// Forget what can no longer be revealed.
		reveals.retain(|(id, _, _)| owed.iter().any(|(_, o, _)| o == id));
		let mut entries = Vec::new();
		for (_, id, req) in owed {
			if entries.len() as u32 >= T::MaxAnswersPerSubmission::get() {
				break;
			}
			if req.quorum > 1 {
				if let Some(committed) = req.has_committed(worker) {
					if !req.reveals_open(next) || was_sent(id, ANSWER_STEP) {
						continue;
					}
					// Reveal what the chain holds: only a stored output and salt that hash to the
					// commitment on chain can be revealed (anything else makes the whole batch
					// invalid, and the worker misses every request in it).
					match reveals.iter().find(|(r, o, s)| *r == id && commitment(id, worker, o, s) == committed) {
						Some((_, output, salt)) => entries.push((id, Submission::Reveal(output.clone(), *salt))),
						None => log::warn!(target: LOG_TARGET, "request {id}: committed output lost, cannot reveal"),
					}
					continue;
				}
			}
			let step = if req.quorum > 1 { COMMIT_STEP } else { ANSWER_STEP };
			if was_sent(id, step) || (step == COMMIT_STEP && !req.commits_open(next)) {
				continue;
			}
			if step == ANSWER_STEP {
				let Some(output) = Self::infer(&req, budget, models) else { continue };
				entries.push((id, Submission::Answer(output)));
				continue;
			}
			// A commitment sent again (its first transaction not on chain after `RESEND_AFTER`
			// blocks, perhaps only delayed) commits to the same output and salt as the first: the
			// chain may take either transaction, and the stored reveal must match both.
			let (output, salt) = match reveals.iter().find(|(r, _, _)| *r == id) {
				Some((_, output, salt)) => (output.clone(), *salt),
				None => {
					let Some(output) = Self::infer(&req, budget, models) else { continue };
					let salt = polkadot_sdk::sp_io::hashing::blake2_256(
						&(polkadot_sdk::sp_io::offchain::random_seed(), id, worker).encode(),
					);
					reveals.push((id, output.clone(), salt));
					(output, salt)
				}
			};
			entries.push((id, Submission::Commit(commitment(id, worker, &output, &salt))));
		}
		StorageValueRef::persistent(&Self::reveals_key(worker)).set(&reveals);
		entries
	}

	/// Runs `req`'s model on its input if `budget` pays for it (checked before the blob is
	/// read), decreasing `budget`.
	fn infer(req: &Request<T>, budget: &mut u64, models: &mut ModelCache) -> Option<Prediction<T::MaxOutputLen>> {
		let summary = T::Models::model(req.model)?;
		// Reading and decoding a blob costs about its length; skip what the budget cannot
		// pay before touching the blob.
		let load_cost = if models.holds(req.model) { 0 } else { u64::from(summary.blob_len) };
		let cost = summary.cost.saturating_add(load_cost);
		if cost > *budget {
			return None;
		}
		*budget = budget.saturating_sub(cost);
		let model = models.get::<T>(req.model)?;
		// `None`: the native engine lost the model, which it does not within a run; answer
		// nothing now rather than something wrong.
		match model.run(&req.input)?.map(Prediction::from_output) {
			Ok(Some(prediction)) => Some(prediction),
			other => {
				log::warn!(target: LOG_TARGET, "model {}: cannot answer ({other:?})", req.model);
				None
			}
		}
	}

	/// The last block of the next step `worker` owes on `req`.
	fn due(req: &Request<T>, worker: &T::AccountId) -> BlockNumberFor<T> {
		let deadline = req.deadline.unwrap_or_default();
		if req.quorum > 1 && req.has_committed(worker).is_none() {
			req.commit_deadline.unwrap_or(deadline)
		} else {
			deadline
		}
	}

	fn step(entry: &Submission<T::MaxOutputLen>) -> u8 {
		match entry {
			Submission::Commit(_) => COMMIT_STEP,
			Submission::Answer(_) | Submission::Reveal(..) => ANSWER_STEP,
		}
	}

	fn reveals_key(worker: &T::AccountId) -> Vec<u8> {
		let mut key = REVEALS_KEY_PREFIX.to_vec();
		key.extend(worker.encode());
		key
	}

	/// The outputs and salts `worker` committed to and has not revealed.
	fn pending_reveals(worker: &T::AccountId) -> Vec<(RequestId, Prediction<T::MaxOutputLen>, [u8; 32])> {
		StorageValueRef::persistent(&Self::reveals_key(worker)).get().ok().flatten().unwrap_or_default()
	}

	fn sent_key(worker: &T::AccountId) -> Vec<u8> {
		let mut key = SENT_KEY_PREFIX.to_vec();
		key.extend(worker.encode());
		key
	}

	/// Every entry (request, step, block sent, nonce) `worker` sent and still remembers.
	fn sent(worker: &T::AccountId) -> Vec<Sent<T>> {
		StorageValueRef::persistent(&Self::sent_key(worker)).get().ok().flatten().unwrap_or_default()
	}

	/// Entries (request, step, block sent, nonce) `worker` sent in the last `RESEND_AFTER` blocks.
	fn recently_sent(worker: &T::AccountId, now: BlockNumberFor<T>) -> Vec<Sent<T>> {
		let mut sent = Self::sent(worker);
		sent.retain(|(_, _, at, _)| at.saturating_add(RESEND_AFTER.into()) > now);
		sent
	}

	fn mark_sent(worker: &T::AccountId, ids: &[(RequestId, u8)], now: BlockNumberFor<T>, nonce: T::Nonce) {
		let mut sent = Self::recently_sent(worker, now);
		sent.extend(ids.iter().map(|(id, step)| (*id, *step, now, nonce)));
		StorageValueRef::persistent(&Self::sent_key(worker)).set(&sent);
	}

	/// Forgets the entries sent in transactions with nonce `from` or above (given up: they
	/// cannot be included), so they are sent again at once.
	fn forget_sent(worker: &T::AccountId, from: T::Nonce) {
		let mut sent = Self::sent(worker);
		sent.retain(|(_, _, _, nonce)| *nonce < from);
		StorageValueRef::persistent(&Self::sent_key(worker)).set(&sent);
	}

	/// Whether `worker`'s transaction with `nonce` can no longer be included: every entry it
	/// carried went stale (the request settled or expired without it, the worker is no longer
	/// assigned, or the commit window closed), so the pool dropped it as invalid. `false` for a
	/// nonce this worker did not send answers with (the bounties worker's, or forgotten).
	fn went_stale(worker: &T::AccountId, nonce: T::Nonce, now: BlockNumberFor<T>) -> bool {
		let next = now.saturating_add(1u32.into());
		let owed = |id: RequestId, step: u8| {
			let Some(req) = Requests::<T>::get(id) else { return false };
			Assignments::<T>::contains_key(worker, id)
				&& req.deadline.is_some_and(|d| d >= next)
				&& (step != COMMIT_STEP || (req.has_committed(worker).is_none() && req.commits_open(next)))
		};
		let entries: Vec<(RequestId, u8)> = Self::sent(worker)
			.into_iter()
			.filter(|(_, _, _, n)| *n == nonce)
			.map(|(id, step, _, _)| (id, step))
			.collect();
		!entries.is_empty() && !entries.iter().any(|(id, step)| owed(*id, *step))
	}
}

/// An entry an off-chain worker sent: request, step, the block it was sent at, and the nonce of
/// its transaction.
type Sent<T> = (RequestId, u8, BlockNumberFor<T>, <T as frame_system::Config>::Nonce);
