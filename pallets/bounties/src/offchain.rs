//! The evaluators' off-chain worker: scores every revealed model of the bounty its worker was
//! drawn for, a bounded amount of work per block, then commits to the scores and reveals them.
//!
//! Each block, for every worker key in the node's keystore whose worker (the stash that named
//! the key) is evaluating a bounty, it continues the evaluation where the last block left it:
//! one step is one model on one test chunk (`MetricAccumulator::add_chunk`, exactly what the
//! chain's own verification runs, so the scores agree bit for bit), steps are taken while
//! `OffchainEvalCostPerBlock` lasts (a model's and a chunk's blob lengths count too, and are
//! checked before the blobs are read). The running totals live in the node's persistent
//! off-chain storage, so a restart loses nothing. When every step is done it stores the scores
//! and a fresh salt, then sends the commitment; once reveals are open it sends the scores,
//! each signed with the next nonce the key's pending transactions leave free
//! (`modelchain_primitives::offchain`, shared with the predictions worker). A
//! persistent-storage lock and a "last block run" marker keep a re-run of the same block from
//! sending twice; a step sent but still not on chain after [`RESEND_AFTER`] blocks is sent
//! again.

use crate::*;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{offchain::Signer, pallet_prelude::BlockNumberFor};
use modelchain_nn::MetricAccumulator;
use modelchain_nn_host::OffchainModel;
use modelchain_primitives::offchain::send_signed;
use sp_runtime::{
	offchain::{
		storage::StorageValueRef,
		storage_lock::{BlockAndTime, StorageLock},
		Duration,
	},
	traits::Saturating,
};

/// Persistent-storage key of the lock held while the worker runs.
pub const LOCK_KEY: &[u8] = b"ml-bounties::lock";
/// Persistent-storage key of the last block the worker ran for.
pub const LAST_RUN_KEY: &[u8] = b"ml-bounties::last-run";
/// Prefix of an evaluator's progress record (followed by the encoded stash).
pub const PROGRESS_KEY_PREFIX: &[u8] = b"ml-bounties::progress::";
/// Blocks after which a commitment or reveal still not on chain is sent again.
pub const RESEND_AFTER: u32 = 2;
/// The lock expires after this long, or one block, whichever is later.
pub const LOCK_TIMEOUT_MS: u64 = 20_000;

/// An evaluator's work on its bounty, kept in the node's persistent storage between blocks.
#[derive(Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct Progress<BlockNumber> {
	/// The bounty being scored.
	pub bounty: BountyId,
	/// The next step: (position in the evaluated submissions, position in the test set).
	pub next: (u32, u32),
	/// Running totals per evaluated submission; `None` once its model failed on a sample.
	pub totals: Vec<Option<MetricAccumulator>>,
	/// The scores and their salt, once every step is done.
	pub scores: Option<(Vec<ScoreValue>, [u8; 32])>,
	/// When the commitment was last sent.
	pub commit_sent: Option<BlockNumber>,
	/// When the reveal was last sent.
	pub reveal_sent: Option<BlockNumber>,
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
		let mut budget = T::OffchainEvalCostPerBlock::get();
		for account in Signer::<T, T::AuthorityId>::keystore_accounts() {
			// The key signs; the work is its stash's.
			let Some(evaluator) = T::Workers::worker_of_key(&account.id) else { continue };
			let Some(bounty) = Evaluating::<T>::get(&evaluator) else { continue };
			// Scoring goes on whether or not anything can be sent this block.
			let Some(submission) = Self::evaluator_step(&evaluator, bounty, now, &mut budget) else { continue };
			let sent = send_signed::<T, T::AuthorityId, _>(
				&account,
				now,
				// A stale commitment or reveal is sent again after `RESEND_AFTER` blocks; its nonce
				// is given up after `STUCK_AFTER`.
				|_| false,
				|_| Some(Call::submit_scores { bounty, submission }),
			);
			if let Err(e) = sent {
				log::warn!(target: LOG_TARGET, "bounty {bounty}: sending scores failed: {e:?}");
			}
		}
	}

	fn progress_key(evaluator: &T::AccountId) -> Vec<u8> {
		let mut key = PROGRESS_KEY_PREFIX.to_vec();
		key.extend(evaluator.encode());
		key
	}

	/// The stored progress of `evaluator` on `bounty` (a fresh one if it was working on
	/// another bounty).
	pub fn progress(evaluator: &T::AccountId, bounty: BountyId, submissions: usize) -> Progress<BlockNumberFor<T>> {
		let stored: Option<Progress<BlockNumberFor<T>>> =
			StorageValueRef::persistent(&Self::progress_key(evaluator)).get().ok().flatten();
		stored.filter(|p| p.bounty == bounty).unwrap_or_else(|| Progress {
			bounty,
			next: (0, 0),
			totals: alloc::vec![None; submissions],
			scores: None,
			commit_sent: None,
			reveal_sent: None,
		})
	}

	/// What `evaluator` sends for `bounty` this block, if anything, after spending what
	/// `budget` allows on scoring. Progress is stored before anything is sent, so a crash
	/// cannot lose the salt of a sent commitment.
	pub fn evaluator_step(
		evaluator: &T::AccountId,
		bounty: BountyId,
		now: BlockNumberFor<T>,
		budget: &mut u64,
	) -> Option<ScoreSubmission<T::MaxSubmissions>> {
		let record = Bounties::<T>::get(bounty)?;
		let evaluation = Evaluations::<T>::get(bounty)?;
		// Sent now, included at `now + 1` at the earliest, and it must be before the deadline.
		let next = now.saturating_add(1u32.into());
		if record.phase != Phase::Evaluation || next >= record.deadline {
			return None;
		}
		let mut progress = Self::progress(evaluator, bounty, evaluation.submissions.len());
		let recent =
			|sent: Option<BlockNumberFor<T>>| sent.is_some_and(|at| at.saturating_add(RESEND_AFTER.into()) > now);
		let entry = if evaluation.commitment_of(evaluator).is_some() {
			match (&progress.scores, evaluation.reveals_open(next)) {
				(Some((scores, salt)), true)
					if evaluation.scores_of(evaluator).is_none() && !recent(progress.reveal_sent) =>
				{
					progress.reveal_sent = Some(now);
					Some(ScoreSubmission::Reveal(BoundedVec::truncate_from(scores.clone()), *salt))
				}
				(None, _) => {
					log::warn!(target: LOG_TARGET, "bounty {bounty}: committed scores lost, cannot reveal");
					None
				}
				_ => None,
			}
		} else if evaluation.reveals_open(next) {
			// Too late to commit.
			None
		} else {
			if progress.scores.is_none() {
				Self::score_steps(bounty, record.terms.metric, &evaluation, &mut progress, budget);
				if progress.next.0 as usize >= evaluation.submissions.len() {
					// Every step is done: fix the scores and a fresh salt.
					let scores = progress.totals.iter().map(|t| t.and_then(|acc| acc.score().ok())).collect();
					let seed = (polkadot_sdk::sp_io::offchain::random_seed(), bounty, evaluator).encode();
					progress.scores = Some((scores, polkadot_sdk::sp_io::hashing::blake2_256(&seed)));
				}
			}
			match &progress.scores {
				Some((scores, salt)) if !recent(progress.commit_sent) => {
					progress.commit_sent = Some(now);
					Some(ScoreSubmission::Commit(scores_commitment(bounty, evaluator, scores, salt)))
				}
				_ => None,
			}
		};
		StorageValueRef::persistent(&Self::progress_key(evaluator)).set(&progress);
		entry
	}

	/// Takes scoring steps (one model on one test chunk) while `budget` pays for them,
	/// checked before any blob is read, and logs what they ran and how long it took (the
	/// off-chain clock's milliseconds: this is how the runtime's own engine is timed inside a
	/// node, see `--offchain-engine`).
	fn score_steps(
		bounty: BountyId,
		metric: modelchain_nn::Metric,
		evaluation: &Evaluation<T>,
		progress: &mut Progress<BlockNumberFor<T>>,
		budget: &mut u64,
	) {
		let started = polkadot_sdk::sp_io::offchain::timestamp();
		let mut ran = Ran::default();
		Self::score_steps_within(bounty, metric, evaluation, progress, budget, &mut ran);
		if ran.chunks > 0 {
			let millis = polkadot_sdk::sp_io::offchain::timestamp().diff(&started).millis();
			log::info!(
				target: LOG_TARGET,
				"bounty {bounty}: scored {} test chunks ({} samples) in the {} engine: {} cost units in {millis} ms",
				ran.chunks,
				ran.samples,
				if ran.native { "native" } else { "runtime's" },
				ran.cost,
			);
		}
	}

	fn score_steps_within(
		bounty: BountyId,
		metric: modelchain_nn::Metric,
		evaluation: &Evaluation<T>,
		progress: &mut Progress<BlockNumberFor<T>>,
		budget: &mut u64,
		ran: &mut Ran,
	) {
		let test_set = TestSet::<T>::get(bounty).unwrap_or_default();
		let (model_bounds, dataset_bounds) = (T::Models::bounds(), T::DatasetBounds::get());
		// Models run in the node's native engine when it offers one (`modelchain-nn-host`),
		// else here: the same bits either way.
		let mut model: Option<(Hash, Option<OffchainModel>)> = None;
		while let Some(index) = evaluation.submissions.get(progress.next.0 as usize) {
			let Some(chunk_index) = test_set.get(progress.next.1 as usize) else {
				progress.next = (progress.next.0.saturating_add(1), 0);
				continue;
			};
			let Some(info) = Submissions::<T>::get(bounty, index).and_then(|s| s.model) else { return };
			let Some(chunk) = Chunks::<T>::get(bounty, chunk_index).and_then(|c| c.revealed) else { return };
			let held = model.as_ref().is_some_and(|(h, _)| *h == info.blob_hash);
			let load = if held { 0 } else { u64::from(info.blob_len) };
			let cost = info
				.cost
				.saturating_mul(u64::from(chunk.samples))
				.saturating_add(load)
				.saturating_add(u64::from(chunk.len));
			if cost > *budget {
				return;
			}
			*budget = budget.saturating_sub(cost);
			if !held {
				let loaded = Self::fetch_blob(&info.blob_hash, model_bounds.max_blob_len)
					.and_then(|blob| OffchainModel::load(info.blob_hash.0, &blob, &model_bounds).ok());
				model = Some((info.blob_hash, loaded));
			}
			let dataset = Self::fetch_blob(&chunk.hash, dataset_bounds.max_blob_len);
			let position = progress.next.0 as usize;
			let first = progress.next.1 == 0;
			if let Some(total) = progress.totals.get_mut(position) {
				let mut acc = match (first, *total) {
					(true, _) => Some(MetricAccumulator::new(metric)),
					(false, acc) => acc,
				};
				let ok = match (&mut acc, model.as_ref().and_then(|(_, m)| m.as_ref()), &dataset) {
					(Some(acc), Some(m), Some(d)) => match m.add_chunk(acc, d, &dataset_bounds) {
						Some(result) => result.is_ok(),
						// The native engine lost the model (it does not within a run): try the
						// step again next block rather than score the model as failing.
						None => return,
					},
					_ => false,
				};
				// As on chain: a model that fails once scores `None`.
				*total = if ok { acc } else { None };
				if ok {
					ran.chunks = ran.chunks.saturating_add(1);
					ran.samples = ran.samples.saturating_add(chunk.samples.into());
					ran.cost = ran.cost.saturating_add(info.cost.saturating_mul(chunk.samples.into()));
					ran.native |= model.as_ref().and_then(|(_, m)| m.as_ref()).is_some_and(OffchainModel::is_native);
				}
			}
			progress.next.1 = progress.next.1.saturating_add(1);
		}
	}
}

/// What one off-chain worker run scored: test chunks, their samples, the models' cost units on
/// them, and whether the native engine ran them.
#[derive(Debug, Default)]
struct Ran {
	chunks: u32,
	samples: u64,
	cost: u64,
	native: bool,
}
