//! Scoring: the evaluators' draw, their commit-reveal of scores and the quorum (the rules
//! shared with predictions, `modelchain_primitives::quorum`), challenges, and the chain's own
//! chunk-by-chunk computation of a score.
//!
//! **The draw** happens when the reveal phase ends, from `T::Randomness` determined after it,
//! among drawable workers (past their activation delay, through [`WorkerRegistry`]) that are
//! neither the requester nor a trainer of the bounty and are not evaluating another bounty.
//! If too few are free it is tried again each block for `ScoreWindow` blocks; after that the
//! chain computes every score itself.
//!
//! **Computation time**: the evaluators' off-chain workers score every model on every test
//! sample; the commit deadline leaves them the evaluation's cost divided by
//! `OffchainEvalCostPerBlock` blocks, plus `ScoreWindow`.

use crate::{settlement::VerifyQueueOf, *};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	dispatch::{DispatchErrorWithPostInfo, DispatchResult, DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::{BoundedVec, Get, Weight},
	traits::Randomness,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_nn::MetricAccumulator;
use modelchain_primitives::traits::{OffenceKind, OffenceReport, TaskOutcome, TaskRef};
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto},
	DispatchError, Perbill,
};

/// Subject of the evaluator-draw randomness (the bounty id is mixed in afterwards).
const DRAW_SUBJECT: &[u8] = b"modelchain/bounties/draw";

/// How much slower per cost unit any model may run than the dense models the `verify_score`
/// benchmark uses. `Model::cost` counts each layer's overheads so that no model does more than
/// 1.5 times a dense model's work per unit (wasm operators executed, `modelchain-nn`'s
/// `tests/cost_model.rs`; the worst shape found is 1.02 times); 3 leaves a factor of 2 for
/// operators slower than the dense loop's. (`pallet-ml-predictions`' challenge benchmarks,
/// run under the cost rule before spec 101, measured 1x1 convolutions at 2.3 times the dense
/// rate per unit; that rule now charges them about 14 times more units.)
pub const WORST_FAMILY_FACTOR: u32 = 3;

/// A draw examines at most this many workers per seat (each costs a storage read).
pub const DRAW_EXAMINE_FACTOR: u32 = 8;

/// Who submits scores (the evaluator's stash), for which bounty, in which evaluation.
pub(crate) type Scoring<T> = (<T as frame_system::Config>::AccountId, Bounty<T>, Evaluation<T>);

impl<T: Config> Pallet<T> {
	/// Draws the evaluators of bounty `id` (in the drawing phase) and opens the evaluation, or
	/// waits a block, or after `ScoreWindow` blocks of trying leaves every score to the chain.
	pub(crate) fn draw_evaluators(id: BountyId, mut bounty: Bounty<T>, now: BlockNumberFor<T>) {
		let Some(mut evaluation) = Evaluations::<T>::get(id) else { return };
		let (random, known_since) = T::Randomness::random(DRAW_SUBJECT);
		let seed = polkadot_sdk::sp_io::hashing::blake2_256(&(DRAW_SUBJECT, random, id).encode());
		let trainers: Vec<T::AccountId> = Submissions::<T>::iter_prefix_values(id).map(|s| s.trainer).collect();
		let requester = bounty.requester.clone();
		let params = bounty.evaluation;
		let seats = params.map_or(0, |p| p.evaluators);
		let drawn = if seats == 0 {
			None
		} else if known_since >= evaluation.draw_since {
			T::Workers::select_workers_where(seed, seats, seats.saturating_mul(DRAW_EXAMINE_FACTOR), |w| {
				*w != requester && !trainers.contains(w) && !Evaluating::<T>::contains_key(w)
			})
			.ok()
		} else {
			None
		};
		let Some(evaluators) = drawn else {
			// No evaluators configured: the chain scores everything, at once.
			let keep_trying = seats > 0 && now < evaluation.draw_since.saturating_add(T::ScoreWindow::get());
			if keep_trying {
				bounty.phase = Phase::Drawing;
				bounty.deadline = settlement::DeadlinesOf::<T>::schedule(now.saturating_add(1u32.into()), id);
				Bounties::<T>::insert(id, bounty);
				return;
			}
			// Nobody to ask: the chain computes every score.
			Self::deposit_event(Event::EvaluatorsDrawn { bounty: id, evaluators: Vec::new(), commit_deadline: now });
			Self::tally(id, bounty, now);
			return;
		};
		for evaluator in evaluators.iter() {
			Evaluating::<T>::insert(evaluator, id);
		}
		let compute: u32 = Self::compute_blocks(evaluation.cost).unique_saturated_into();
		let window = T::ScoreWindow::get();
		evaluation.commit_deadline = now.saturating_add(compute.into()).saturating_add(window);
		// Reveals are accepted up to and including `commit_deadline + ScoreWindow`.
		let deadline = evaluation.commit_deadline.saturating_add(window).saturating_add(1u32.into());
		evaluation.evaluators = BoundedVec::truncate_from(evaluators.clone());
		evaluation.quorum = params.map_or(1, |p| p.quorum);
		let commit_deadline = evaluation.commit_deadline;
		Evaluations::<T>::insert(id, evaluation);
		Self::enter_phase(id, &mut bounty, Phase::Evaluation, deadline);
		Bounties::<T>::insert(id, bounty);
		Self::deposit_event(Event::EvaluatorsDrawn { bounty: id, evaluators, commit_deadline });
	}

	/// Everything `submit_scores` checks, without writing: the evaluator (stash) behind `key`,
	/// the bounty and its evaluation. The pool extension runs the same checks.
	pub(crate) fn check_scores(
		key: &T::AccountId,
		id: BountyId,
		submission: &ScoreSubmission<T::MaxSubmissions>,
	) -> Result<Scoring<T>, Error<T>> {
		let evaluator = T::Workers::worker_of_key(key).ok_or(Error::<T>::NotEvaluator)?;
		let bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		ensure!(Self::is_open(&bounty, Phase::Evaluation), Error::<T>::WrongPhase);
		let evaluation = Evaluations::<T>::get(id).ok_or(Error::<T>::WrongPhase)?;
		ensure!(evaluation.evaluators.contains(&evaluator), Error::<T>::NotEvaluator);
		let now = frame_system::Pallet::<T>::block_number();
		match submission {
			ScoreSubmission::Commit(_) => {
				ensure!(evaluation.commitment_of(&evaluator).is_none(), Error::<T>::AlreadyCommitted);
				ensure!(!evaluation.reveals_open(now), Error::<T>::CommitsClosed);
			}
			ScoreSubmission::Reveal(scores, salt) => {
				ensure!(evaluation.reveals_open(now), Error::<T>::RevealsNotOpen);
				let committed = evaluation.commitment_of(&evaluator).ok_or(Error::<T>::NotCommitted)?;
				ensure!(evaluation.scores_of(&evaluator).is_none(), Error::<T>::AlreadyRevealed);
				ensure!(scores.len() == evaluation.submissions.len(), Error::<T>::WrongScoreCount);
				ensure!(scores_commitment(id, &evaluator, scores, salt) == committed, Error::<T>::CommitmentMismatch);
			}
		}
		Ok((evaluator, bounty, evaluation))
	}

	pub(crate) fn do_submit_scores(
		key: T::AccountId,
		id: BountyId,
		submission: ScoreSubmission<T::MaxSubmissions>,
	) -> DispatchResultWithPostInfo {
		let (evaluator, bounty, mut evaluation) = Self::check_scores(&key, id, &submission)?;
		let now = frame_system::Pallet::<T>::block_number();
		let scored = evaluation.submissions.len() as u32;
		let evaluation_size = evaluation.evaluators.len() as u32;
		match submission {
			ScoreSubmission::Commit(commitment) => {
				// Capacity equals the evaluator count and each commits once.
				evaluation
					.commitments
					.try_push((evaluator.clone(), commitment))
					.map_err(|_| Error::<T>::AlreadyCommitted)?;
				Evaluations::<T>::insert(id, evaluation);
				Self::deposit_event(Event::ScoresCommitted { bounty: id, evaluator });
			}
			ScoreSubmission::Reveal(scores, _) => {
				evaluation.reveals.try_push((evaluator.clone(), scores)).map_err(|_| Error::<T>::AlreadyRevealed)?;
				T::Workers::record_outcome(&evaluator, TaskOutcome::Done);
				let complete = evaluation.reveals.len() == evaluation.commitments.len();
				Evaluations::<T>::insert(id, evaluation);
				Self::deposit_event(Event::ScoresRevealed { bounty: id, evaluator });
				// Everyone who can still reveal has: no reason to wait for the deadline.
				if complete {
					settlement::DeadlinesOf::<T>::unschedule(bounty.deadline, &id);
					Self::tally(id, bounty, now);
				}
			}
		}
		Ok(PostDispatchInfo {
			actual_weight: Some(T::WeightInfo::submit_scores(scored, evaluation_size)),
			pays_fee: Pays::No,
		})
	}

	/// Blocks an evaluator's off-chain worker needs for work of `cost`: it takes whole steps
	/// (one model on one test chunk, at most half of `OffchainEvalCostPerBlock`, which
	/// `integrity_test` checks), so it gets at least half its budget's worth done every block.
	pub fn compute_blocks(cost: u64) -> u64 {
		let half = (T::OffchainEvalCostPerBlock::get() / 2).max(1);
		cost.div_ceil(half)
	}

	/// `1 ≤ quorum ≤ evaluators ≤ MaxEvaluators` and `2 × quorum > evaluators`: a majority, so
	/// at most one score can reach quorum.
	pub fn valid_parameters(p: &EvaluationParameters) -> bool {
		p.quorum >= 1
			&& p.quorum <= p.evaluators
			&& p.evaluators <= T::MaxEvaluators::get()
			&& p.quorum.saturating_mul(2) > p.evaluators
	}

	/// The task reference of submission `index`'s score in bounty `id`.
	pub fn score_task(id: BountyId, index: SubmissionIndex) -> TaskRef {
		TaskRef { domain: TASK_DOMAIN, id: (u64::from(id) << 32) | u64::from(index) }
	}

	/// Fixes the scores that have a quorum, hands the rest to the chain, reports dissenting
	/// and silent evaluators, and opens the challenge window. Returns the submissions
	/// settled.
	pub(crate) fn tally(id: BountyId, mut bounty: Bounty<T>, now: BlockNumberFor<T>) -> u32 {
		let Some(evaluation) = Evaluations::<T>::get(id) else { return 0 };
		let quorum = evaluation.quorum;
		let mut wrong: Vec<T::AccountId> = Vec::new();
		for (position, index) in evaluation.submissions.iter().enumerate() {
			let Some(mut submission) = Submissions::<T>::get(id, index) else { continue };
			let reported = evaluation.reveals.iter().filter_map(|(w, s)| s.get(position).map(|v| (w, v)));
			let fixed = modelchain_primitives::quorum::quorum_answer(reported.clone().map(|(_, v)| v), quorum).copied();
			submission.score = Some(match fixed {
				Some(value) => {
					for (w, v) in reported {
						if *v != value {
							Self::report(
								w,
								T::WrongScoreSlash::get(),
								OffenceKind::WrongAnswer,
								Some(Self::score_task(id, *index)),
								None,
							);
							if !wrong.contains(w) {
								wrong.push(w.clone());
							}
						}
					}
					ScoreState::Quorum(value)
				}
				None => {
					Self::start_verification(id, *index, &bounty);
					ScoreState::Unresolved
				}
			});
			Submissions::<T>::insert(id, index, submission);
			Self::deposit_event(Event::ScoreReported { bounty: id, submission: *index, score: fixed });
		}
		for evaluator in evaluation.evaluators.iter() {
			Evaluating::<T>::remove(evaluator);
			if evaluation.scores_of(evaluator).is_none() {
				// Committing without revealing counts as silence.
				Self::report(evaluator, T::MissedScoreSlash::get(), OffenceKind::MissedTask, None, None);
				T::Workers::record_outcome(evaluator, TaskOutcome::Missed);
			} else if wrong.contains(evaluator) {
				T::Workers::record_outcome(evaluator, TaskOutcome::Disagreed);
			} else {
				T::Workers::record_outcome(evaluator, TaskOutcome::Agreed);
			}
		}
		let deadline = now.saturating_add(bounty.terms.challenge_period);
		Self::enter_phase(id, &mut bounty, Phase::Scored, deadline);
		Bounties::<T>::insert(id, bounty);
		evaluation.submissions.len() as u32
	}

	/// Opens the chain's computation of submission `index`'s score.
	fn start_verification(id: BountyId, index: SubmissionIndex, bounty: &Bounty<T>) {
		let acc = MetricAccumulator::new(bounty.terms.metric);
		Verifications::<T>::insert(id, index, Verification { acc, done: 0, failed: false });
		VerifyQueueOf::<T>::push((id, index));
	}

	pub(crate) fn do_challenge_score(who: T::AccountId, id: BountyId, index: SubmissionIndex) -> DispatchResult {
		let bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		ensure!(Self::is_open(&bounty, Phase::Scored), Error::<T>::NotChallengeable);
		let mut submission = Submissions::<T>::get(id, index).ok_or(Error::<T>::UnknownSubmission)?;
		let Some(ScoreState::Quorum(quorum)) = submission.score else {
			return Err(Error::<T>::NotChallengeable.into());
		};
		T::Workers::hold_challenge_deposit(&who).map_err(|_| Error::<T>::CannotPayChallengeDeposit)?;
		submission.score = Some(ScoreState::Challenged { challenger: who.clone(), quorum });
		Submissions::<T>::insert(id, index, submission);
		Self::start_verification(id, index, &bounty);
		Self::deposit_event(Event::ScoreChallenged { bounty: id, submission: index, challenger: who });
		Ok(())
	}

	pub(crate) fn do_verify_score(id: BountyId, index: SubmissionIndex, position: u32) -> DispatchResultWithPostInfo {
		match Self::verify_step(id, index, position) {
			Ok(weight) => Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No }),
			// Refused before any blob was decoded: charged as the checks (the benchmark's
			// smallest verification), not the worst case the call is weighed for. The block
			// hook verifies with spare weight, so callers often find the work already done.
			Err(error) if Self::refused_before_reading(error) => Err(DispatchErrorWithPostInfo {
				post_info: PostDispatchInfo {
					actual_weight: Some(T::WeightInfo::verify_score(0)),
					pays_fee: Pays::Yes,
				},
				error,
			}),
			Err(error) => Err(error.into()),
		}
	}

	/// Whether `verify_step` failed on its storage checks, before reading a model or dataset.
	fn refused_before_reading(error: DispatchError) -> bool {
		[
			Error::<T>::UnknownBounty,
			Error::<T>::UnknownSubmission,
			Error::<T>::NotVerifying,
			Error::<T>::UnknownChunk,
			Error::<T>::ChunkAlreadyVerified,
			Error::<T>::BlobNotFound,
		]
		.into_iter()
		.any(|e| error == e.into())
	}

	/// Scores test chunk `position` of submission `index` on chain; the last chunk fixes the
	/// score. Returns the weight used.
	pub(crate) fn verify_step(id: BountyId, index: SubmissionIndex, position: u32) -> Result<Weight, DispatchError> {
		ensure!(Bounties::<T>::contains_key(id), Error::<T>::UnknownBounty);
		let submission = Submissions::<T>::get(id, index).ok_or(Error::<T>::UnknownSubmission)?;
		let mut verification = Verifications::<T>::get(id, index).ok_or(Error::<T>::NotVerifying)?;
		let test_set = TestSet::<T>::get(id).unwrap_or_default();
		let chunk_index = *test_set.get(position as usize).ok_or(Error::<T>::UnknownChunk)?;
		let bit = 1u128.checked_shl(position).ok_or(Error::<T>::UnknownChunk)?;
		ensure!(verification.done & bit == 0, Error::<T>::ChunkAlreadyVerified);
		let model_info = submission.model.ok_or(Error::<T>::NotVerifying)?;
		let chunk = Chunks::<T>::get(id, chunk_index).and_then(|c| c.revealed).ok_or(Error::<T>::UnknownChunk)?;
		// Both are requested by the bounty until it ends, so they are there.
		let (model, model_len) = Self::fetch_model(&model_info.blob_hash)?;
		let (dataset, dataset_len) = Self::fetch_dataset(&chunk.hash)?;

		if !verification.failed && verification.acc.add_chunk(&model, &dataset).is_err() {
			// Deterministic: every honest evaluator sees the same failure (score `None`).
			verification.failed = true;
		}
		verification.done |= bit;
		Self::deposit_event(Event::ChunkVerified { bounty: id, submission: index, chunk: position });
		let all = 1u128.checked_shl(test_set.len() as u32).map_or(u128::MAX, |b| b.saturating_sub(1));
		if verification.done == all {
			Verifications::<T>::remove(id, index);
			let score = if verification.failed { None } else { verification.acc.score().ok() };
			Self::settle_verification(id, index, submission, score);
		} else {
			Verifications::<T>::insert(id, index, verification);
		}
		let cost = model_info.cost.saturating_mul(u64::from(chunk.samples));
		Ok(Self::verify_weight(cost, model_len.saturating_add(dataset_len)))
	}

	/// Fixes a score the chain computed: evaluators who reported another are reported (the
	/// challenger shares the reward), those it proves right are cleared, and a challenge's
	/// deposit is returned if the quorum was wrong, lost if not.
	fn settle_verification(id: BountyId, index: SubmissionIndex, mut submission: Submission<T>, score: ScoreValue) {
		let challenge = match &submission.score {
			Some(ScoreState::Challenged { challenger, quorum }) => Some((challenger.clone(), *quorum)),
			_ => None,
		};
		let task = Self::score_task(id, index);
		if let Some(evaluation) = Evaluations::<T>::get(id) {
			if let Some(position) = evaluation.submissions.iter().position(|i| *i == index) {
				for (w, scores) in evaluation.reveals.iter() {
					let Some(reported) = scores.get(position) else { continue };
					if *reported == score {
						// Reported against a wrong quorum: cleared.
						T::Workers::cancel_offence(w, OffenceKind::WrongAnswer, task);
					} else {
						let reporter = challenge.as_ref().map(|(c, _)| c.clone());
						Self::report(w, T::WrongScoreSlash::get(), OffenceKind::WrongAnswer, Some(task), reporter);
					}
				}
			}
		}
		if let Some((challenger, quorum)) = challenge {
			T::Workers::settle_challenge_deposit(&challenger, quorum != score);
		}
		submission.score = Some(ScoreState::Verified(score));
		Submissions::<T>::insert(id, index, submission);
		Self::deposit_event(Event::ScoreVerified { bounty: id, submission: index, score });
	}

	/// Weight of one verification step of `cost` inference cost that decodes `bytes` of
	/// blobs: the benchmark's component is thousands of units of both together, at
	/// [`WORST_FAMILY_FACTOR`] times the rate it measured for dense models.
	pub(crate) fn verify_weight(cost: u64, bytes: u32) -> Weight {
		let component: u32 = (cost.saturating_add(u64::from(bytes)) / 1_000).unique_saturated_into();
		T::WeightInfo::verify_score(component.saturating_mul(WORST_FAMILY_FACTOR))
	}

	/// The weight `verify_score` is charged up front: the costliest step the bounds allow.
	pub fn max_verify_weight() -> Weight {
		let bytes = T::Models::bounds().max_blob_len.saturating_add(T::DatasetBounds::get().max_blob_len);
		Self::verify_weight(T::MaxVerifyCost::get(), bytes)
	}

	/// Reports an offence. The registry only refuses offenders with no stake at all, which
	/// have nothing to lose; that must not undo the settlement, so it is only logged.
	pub(crate) fn report(
		who: &T::AccountId,
		severity: Perbill,
		kind: OffenceKind,
		task: Option<TaskRef>,
		reporter: Option<T::AccountId>,
	) {
		let report = OffenceReport { offender: who.clone(), kind, severity, task, reporter };
		if let Err(e) = T::Workers::report_offence(report) {
			log::warn!(target: LOG_TARGET, "could not report {kind:?} by {who:?}: {e:?}");
		}
	}
}
