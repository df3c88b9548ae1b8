//! The phase engine: what happens when a phase's deadline comes (split, default, reveal,
//! finalization, cancellation, removal), and every movement of money it makes. The calls,
//! `advance` and the block hook share these rules.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::{BoundedVec, Get},
	traits::{QueryPreimage, Randomness},
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_primitives::{calendar::Calendar, funds, queue::StorageQueue};
use sp_runtime::traits::{CheckedDiv, Saturating, Zero};

/// Phase deadlines by block.
pub(crate) type DeadlinesOf<T> = Calendar<BlockNumberFor<T>, BountyId, Deadlines<T>, DeadlineState<T>>;
/// Verifications for the block hook, oldest first.
pub(crate) type VerifyQueueOf<T> = StorageQueue<(BountyId, SubmissionIndex), VerifyQueue<T>, VerifyQueueBounds<T>>;

/// Subject of the split randomness (the bounty id is mixed in afterwards).
const SPLIT_SUBJECT: &[u8] = b"modelchain/bounties/split";

impl<T: Config> Pallet<T> {
	/// Moves `bounty` to `phase`, ending at `deadline` (or the first block the calendar still
	/// processes, if earlier).
	pub(crate) fn enter_phase(id: BountyId, bounty: &mut Bounty<T>, phase: Phase, deadline: BlockNumberFor<T>) {
		bounty.phase = phase;
		// Nothing to remove if the hook is ending the phase at its deadline.
		DeadlinesOf::<T>::unschedule(bounty.deadline, &id);
		bounty.deadline = DeadlinesOf::<T>::schedule(deadline, id);
		Self::deposit_event(Event::PhaseStarted { bounty: id, phase, deadline: bounty.deadline });
	}

	/// Whether `bounty` is in `phase` and its deadline has not come.
	pub(crate) fn is_open(bounty: &Bounty<T>, phase: Phase) -> bool {
		bounty.phase == phase && frame_system::Pallet::<T>::block_number() < bounty.deadline
	}

	/// Ends bounty `id`'s phase (its deadline has come); returns how many submissions it
	/// settled, for the weight.
	pub(crate) fn end_phase(id: BountyId, now: BlockNumberFor<T>) -> u32 {
		let Some(mut bounty) = Bounties::<T>::get(id) else { return 0 };
		match bounty.phase {
			Phase::Split => {
				Self::draw_split(id, &mut bounty, now);
				Bounties::<T>::insert(id, bounty);
				0
			}
			// The requester did not reveal its training data: nobody has submitted yet.
			Phase::Data => {
				Self::cancel(id, bounty, true, now);
				0
			}
			Phase::Submission => {
				if bounty.submissions == 0 {
					Self::cancel(id, bounty, false, now);
				} else {
					let deadline = now.saturating_add(bounty.terms.reveal_period);
					Self::enter_phase(id, &mut bounty, Phase::Reveal, deadline);
					Bounties::<T>::insert(id, bounty);
				}
				0
			}
			Phase::Reveal => Self::end_reveal(id, bounty, now),
			Phase::Drawing => {
				Self::draw_evaluators(id, bounty, now);
				0
			}
			Phase::Evaluation => Self::tally(id, bounty, now),
			Phase::Scored => Self::finalize(id, bounty, now),
			Phase::Finalized | Phase::Cancelled => {
				Self::remove(id);
				0
			}
		}
	}

	/// Draws the test and validation chunks from randomness determined after the bounty's
	/// creation, and opens the data phase.
	fn draw_split(id: BountyId, bounty: &mut Bounty<T>, now: BlockNumberFor<T>) {
		let (random, known_since) = T::Randomness::random(SPLIT_SUBJECT);
		if known_since <= bounty.created_at {
			// Could have been known to the requester: wait for fresher randomness.
			bounty.deadline = DeadlinesOf::<T>::schedule(now.saturating_add(1u32.into()), id);
			return;
		}
		let seed = polkadot_sdk::sp_io::hashing::blake2_256(&(SPLIT_SUBJECT, random, id).encode());
		let roles = split::split(&seed, bounty.chunks, bounty.terms.test_chunks, bounty.terms.validation_chunks)
			.unwrap_or_default();
		let (mut test, mut validation) = (Vec::new(), Vec::new());
		for (index, role) in roles.into_iter().enumerate() {
			let index = index as u32;
			Chunks::<T>::mutate(id, index, |c| {
				if let Some(c) = c {
					c.role = role;
				}
			});
			match role {
				ChunkRole::Test => test.push(index),
				ChunkRole::Validation => validation.push(index),
				_ => {}
			}
		}
		// `create_bounty` checked `test + validation < chunks ≤ MaxChunks`.
		TestSet::<T>::insert(id, BoundedVec::truncate_from(test.clone()));
		let deadline = now.saturating_add(bounty.terms.data_period);
		Self::enter_phase(id, bounty, Phase::Data, deadline);
		Self::deposit_event(Event::SplitDrawn { bounty: id, test, validation, deadline: bounty.deadline });
	}

	/// Ends the reveal phase: forfeits the stakes of trainers who did not reveal; then either
	/// the requester defaulted on the test set (its deposit is lost and its reward goes to the
	/// trainers who revealed), nobody revealed (everything returns to the requester), or the
	/// evaluators are drawn.
	fn end_reveal(id: BountyId, mut bounty: Bounty<T>, now: BlockNumberFor<T>) -> u32 {
		let submissions = Self::submissions_of(id);
		let count = submissions.len() as u32;
		let mut revealed = Vec::new();
		for (index, mut submission) in submissions {
			if submission.model.is_some() {
				revealed.push((index, submission.trainer.clone()));
				continue;
			}
			let stake = core::mem::take(&mut submission.stake);
			Self::forfeit(&HoldReason::TrainerStake.into(), &submission.trainer, stake);
			Submissions::<T>::insert(id, index, submission);
			Self::deposit_event(Event::StakeForfeited { bounty: id, submission: index, stake });
		}
		if bounty.test_revealed < bounty.terms.test_chunks {
			Self::requester_defaulted(id, bounty, &revealed, now);
			return count;
		}
		if revealed.is_empty() {
			Self::cancel(id, bounty, false, now);
			return count;
		}
		// The requester has revealed everything.
		let deposit = core::mem::take(&mut bounty.deposit);
		funds::release::<T::Currency, _>(&HoldReason::RequesterDeposit.into(), &bounty.requester, deposit);
		let cost = Self::evaluation_cost(id, &bounty);
		let evaluation = Evaluation {
			submissions: BoundedVec::truncate_from(revealed.into_iter().map(|(index, _)| index).collect()),
			evaluators: BoundedVec::new(),
			commitments: BoundedVec::new(),
			reveals: BoundedVec::new(),
			commit_deadline: now,
			quorum: 1,
			cost,
			draw_since: now,
		};
		Evaluations::<T>::insert(id, evaluation);
		bounty.phase = Phase::Drawing;
		Self::draw_evaluators(id, bounty, now);
		count
	}

	/// What scoring every revealed model on the test set costs an evaluator's off-chain
	/// worker: inference on every sample, plus reading each model once and each test chunk
	/// once per model.
	fn evaluation_cost(id: BountyId, bounty: &Bounty<T>) -> u64 {
		let chunk_bytes = Chunks::<T>::iter_prefix_values(id)
			.filter_map(|c| c.revealed)
			.fold(0u64, |sum, c| sum.saturating_add(u64::from(c.len)));
		Submissions::<T>::iter_prefix_values(id)
			.filter_map(|s| s.model)
			.map(|m| {
				m.cost
					.saturating_mul(u64::from(bounty.test_samples))
					.saturating_add(u64::from(m.blob_len))
					.saturating_add(chunk_bytes)
			})
			.fold(0u64, |sum, c| sum.saturating_add(c))
	}

	/// The requester did not reveal the test set: its deposit goes to the fee sink, the
	/// reward is shared equally among the trainers who revealed (their work cannot be
	/// scored), every stake comes back, and the rest of the escrow returns to the requester.
	fn requester_defaulted(
		id: BountyId,
		mut bounty: Bounty<T>,
		revealed: &[(SubmissionIndex, T::AccountId)],
		now: BlockNumberFor<T>,
	) {
		let deposit = core::mem::take(&mut bounty.deposit);
		Self::forfeit(&HoldReason::RequesterDeposit.into(), &bounty.requester, deposit);
		let mut shared = BalanceOf::<T>::zero();
		if let Some(each) = bounty.terms.reward.checked_div(&(revealed.len() as u32).into()) {
			for (_, trainer) in revealed {
				if funds::pay_from_hold::<T::Currency, _>(&HoldReason::Escrow.into(), &bounty.requester, trainer, each)
				{
					shared = shared.saturating_add(each);
				}
			}
		}
		bounty.escrow = bounty.escrow.saturating_sub(shared);
		Self::deposit_event(Event::RequesterDefaulted { bounty: id, deposit, shared });
		Self::close(id, bounty, Phase::Cancelled, now);
	}

	/// Ends a bounty without a contest: the escrow returns to the requester, its deposit too
	/// unless it `defaulted` (then it goes to the fee sink).
	fn cancel(id: BountyId, mut bounty: Bounty<T>, defaulted: bool, now: BlockNumberFor<T>) {
		let deposit = core::mem::take(&mut bounty.deposit);
		if defaulted {
			Self::forfeit(&HoldReason::RequesterDeposit.into(), &bounty.requester, deposit);
			Self::deposit_event(Event::RequesterDefaulted { bounty: id, deposit, shared: Zero::zero() });
		} else {
			funds::release::<T::Currency, _>(&HoldReason::RequesterDeposit.into(), &bounty.requester, deposit);
		}
		Self::close(id, bounty, Phase::Cancelled, now);
		Self::deposit_event(Event::BountyCancelled { bounty: id });
	}

	/// Ends a bounty: releases what is still held (escrow, deposit, stakes), stops requesting
	/// its blobs, ends its evaluators' assignment, and keeps it for `RetentionPeriod` blocks.
	pub(crate) fn close(id: BountyId, mut bounty: Bounty<T>, phase: Phase, now: BlockNumberFor<T>) {
		let escrow = core::mem::take(&mut bounty.escrow);
		funds::release::<T::Currency, _>(&HoldReason::Escrow.into(), &bounty.requester, escrow);
		let deposit = core::mem::take(&mut bounty.deposit);
		funds::release::<T::Currency, _>(&HoldReason::RequesterDeposit.into(), &bounty.requester, deposit);
		for (index, mut submission) in Self::submissions_of(id) {
			let stake = core::mem::take(&mut submission.stake);
			funds::release::<T::Currency, _>(&HoldReason::TrainerStake.into(), &submission.trainer, stake);
			if let Some(model) = &submission.model {
				T::Preimages::unrequest(&model.blob_hash);
			}
			Submissions::<T>::insert(id, index, submission);
		}
		for chunk in Chunks::<T>::iter_prefix_values(id) {
			if let Some(RevealedChunk { hash, uri: None, .. }) = chunk.revealed {
				T::Preimages::unrequest(&hash);
			}
		}
		if let Some(evaluation) = Evaluations::<T>::get(id) {
			for evaluator in evaluation.evaluators.iter() {
				// It may be evaluating another bounty by now.
				if Evaluating::<T>::get(evaluator) == Some(id) {
					Evaluating::<T>::remove(evaluator);
				}
			}
		}
		let until = now.saturating_add(T::RetentionPeriod::get());
		Self::enter_phase(id, &mut bounty, phase, until);
		Bounties::<T>::insert(id, bounty);
	}

	/// Pays out a scored bounty once no score is still being computed (otherwise waits a
	/// block): the best qualifying scores share the reward (ties to the earliest commitment,
	/// then the lowest index), evaluators whose every score was right share the evaluation
	/// fee, and the rest of the escrow returns to the requester.
	fn finalize(id: BountyId, mut bounty: Bounty<T>, now: BlockNumberFor<T>) -> u32 {
		let submissions = Self::submissions_of(id);
		let count = submissions.len() as u32;
		if submissions.iter().any(|(_, s)| s.score.as_ref().is_some_and(|sc| sc.value().is_none())) {
			bounty.deadline = DeadlinesOf::<T>::schedule(now.saturating_add(1u32.into()), id);
			Bounties::<T>::insert(id, bounty);
			return count;
		}
		let ranked = Self::ranking(&bounty.terms, &submissions);
		let reason: T::RuntimeHoldReason = HoldReason::Escrow.into();
		let mut paid = BalanceOf::<T>::zero();
		let mut winners = Vec::new();
		for (rank, index) in ranked.iter().enumerate() {
			let Some((_, submission)) = submissions.iter().find(|(i, _)| i == index) else { continue };
			let amount = bounty.terms.payout.share(rank).mul_floor(bounty.terms.reward);
			if amount.is_zero() {
				break;
			}
			if funds::pay_from_hold::<T::Currency, _>(&reason, &bounty.requester, &submission.trainer, amount) {
				paid = paid.saturating_add(amount);
				winners.push((*index, submission.trainer.clone(), amount));
			}
			if rank == 0 {
				Self::list_winner(id, *index, submission);
			}
		}
		if let Some(evaluation) = Evaluations::<T>::get(id) {
			// Shared among the drawn evaluators; the shares of wrong or silent ones return.
			let drawn = (evaluation.evaluators.len() as u32).max(1);
			let fee = bounty.terms.evaluation_fee.checked_div(&drawn.into()).unwrap_or_default();
			for (evaluator, scores) in evaluation.reveals.iter() {
				let right = evaluation.submissions.iter().zip(scores.iter()).all(|(index, score)| {
					submissions
						.iter()
						.find(|(i, _)| i == index)
						.and_then(|(_, s)| s.score.as_ref())
						.and_then(|s| s.value())
						.is_some_and(|v| v == *score)
				});
				if right && funds::pay_from_hold::<T::Currency, _>(&reason, &bounty.requester, evaluator, fee) {
					paid = paid.saturating_add(fee);
				}
			}
		}
		bounty.escrow = bounty.escrow.saturating_sub(paid);
		let refunded = bounty.escrow;
		Self::close(id, bounty, Phase::Finalized, now);
		Self::deposit_event(Event::BountyFinalized { bounty: id, winners, refunded });
		count
	}

	/// Registers the winning model for predictions if its trainer asked for it.
	fn list_winner(id: BountyId, index: SubmissionIndex, submission: &Submission<T>) {
		let (Some(fee), Some(model)) = (submission.list_fee, submission.model) else { return };
		match T::Models::register_for(&submission.trainer, model.blob_hash, fee) {
			Ok(model) => Self::deposit_event(Event::WinnerListed { bounty: id, submission: index, model }),
			Err(error) => Self::deposit_event(Event::WinnerNotListed { bounty: id, submission: index, error }),
		}
	}

	/// The qualifying submissions, best first: better score, then earlier commitment, then
	/// lower index.
	pub(crate) fn ranking(
		terms: &TermsOf<T>,
		submissions: &[(SubmissionIndex, Submission<T>)],
	) -> Vec<SubmissionIndex> {
		let mut qualifying: Vec<(SubmissionIndex, u64, BlockNumberFor<T>)> = submissions
			.iter()
			.filter_map(|(index, s)| {
				let score = s.score.as_ref()?.value()??;
				qualifies(terms.metric, score, terms.min_score).then_some((*index, score, s.committed_at))
			})
			.collect();
		let metric = terms.metric;
		qualifying.sort_by(|a, b| {
			if metric.better(a.1, b.1) {
				core::cmp::Ordering::Less
			} else if metric.better(b.1, a.1) {
				core::cmp::Ordering::Greater
			} else {
				(a.2, a.0).cmp(&(b.2, b.0))
			}
		});
		qualifying.into_iter().map(|(index, _, _)| index).collect()
	}

	/// Removes an ended bounty after its retention period.
	fn remove(id: BountyId) {
		let limit = T::MaxChunks::get().max(T::MaxSubmissions::get());
		Bounties::<T>::remove(id);
		let _ = Chunks::<T>::clear_prefix(id, limit, None);
		let _ = Submissions::<T>::clear_prefix(id, limit, None);
		let _ = Verifications::<T>::clear_prefix(id, limit, None);
		TestSet::<T>::remove(id);
		Evaluations::<T>::remove(id);
		Self::deposit_event(Event::BountyRemoved { bounty: id });
	}

	/// Moves `amount` of `who`'s hold under `reason` to the fee sink (a forfeited deposit or
	/// stake); released back to `who` if the fee sink cannot receive it.
	pub(crate) fn forfeit(reason: &T::RuntimeHoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
		if !funds::pay_from_hold::<T::Currency, _>(reason, who, &T::FeeSink::get(), amount) {
			funds::release::<T::Currency, _>(reason, who, amount);
		}
	}
}
