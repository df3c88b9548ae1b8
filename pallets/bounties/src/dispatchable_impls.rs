//! The calls of the requester and the trainers: create, reveal data, submit, withdraw, reveal
//! models, and `advance`. Each checks everything before it writes anything.

use crate::{settlement::DeadlinesOf, *};
use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchResult, DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::{BoundedVec, Get},
	traits::QueryPreimage,
};
use frame_system::pallet_prelude::BlockNumberFor;
use modelchain_nn::{Dataset, Labels, Metric, Model, OutputKind};
use modelchain_primitives::funds;
use sp_runtime::{
	traits::{CheckedAdd, CheckedDiv, CheckedMul, Saturating, Zero},
	DispatchError,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_bounty(
		who: T::AccountId,
		metadata: BoundedVec<u8, T::MaxMetadataLen>,
		terms: TermsOf<T>,
		chunks: BoundedVec<[u8; 32], T::MaxChunks>,
	) -> DispatchResult {
		Self::check_terms(&terms)?;
		let count = chunks.len() as u32;
		// At least one training chunk: a bounty must publish something to train on.
		ensure!(terms.test_chunks.saturating_add(terms.validation_chunks) < count, Error::<T>::WrongChunkCount);
		// The draw uses the parameters in force now, which the fee must pay for.
		let evaluation = EvaluationParams::<T>::get();
		let least = Self::evaluation_fee_for(&terms, evaluation.map_or(0, |p| p.evaluators))
			.ok_or(Error::<T>::EvaluationTooCostly)?;
		ensure!(terms.evaluation_fee >= least, Error::<T>::EvaluationFeeTooLow);
		let deposit = T::BountyDeposit::get().saturating_add(T::ChunkDeposit::get().saturating_mul(count.into()));
		let escrow = terms.reward.saturating_add(terms.evaluation_fee);
		// Holds are checked one by one; dispatch is transactional, so a failing second hold
		// leaves the first undone.
		funds::hold::<T::Currency, _>(&HoldReason::Escrow.into(), &who, escrow)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		funds::hold::<T::Currency, _>(&HoldReason::RequesterDeposit.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let id = NextBountyId::<T>::get();
		NextBountyId::<T>::put(id.saturating_add(1));
		let now = frame_system::Pallet::<T>::block_number();
		for (index, commitment) in chunks.into_iter().enumerate() {
			Chunks::<T>::insert(id, index as u32, Chunk { commitment, role: ChunkRole::Undrawn, revealed: None });
		}
		// The split uses randomness determined after this block.
		let deadline = DeadlinesOf::<T>::schedule(now.saturating_add(1u32.into()), id);
		let reward = terms.reward;
		Bounties::<T>::insert(
			id,
			Bounty {
				requester: who.clone(),
				metadata,
				terms,
				escrow,
				deposit,
				phase: Phase::Split,
				deadline,
				created_at: now,
				evaluation,
				chunks: count,
				data_revealed: 0,
				test_revealed: 0,
				test_samples: 0,
				next_submission: 0,
				submissions: 0,
				revealed: 0,
			},
		);
		Self::deposit_event(Event::BountyCreated { bounty: id, requester: who, reward });
		Ok(())
	}

	/// The terms' own consistency and their cost bounds.
	fn check_terms(terms: &TermsOf<T>) -> DispatchResult {
		let bounds = T::Models::bounds();
		let period_ok = |p: BlockNumberFor<T>| p >= T::MinPeriod::get() && p <= T::MaxPeriod::get();
		let shape_ok = match (terms.output, terms.metric) {
			(OutputShape::Classes(n), Metric::Accuracy) => n >= 1,
			(OutputShape::Regression(n), Metric::MeanSquaredError | Metric::MeanAbsoluteError) => {
				n >= 1 && n <= T::DatasetBounds::get().max_outputs
			}
			_ => false,
		};
		ensure!(
			shape_ok
				&& terms.input_len >= 1
				&& terms.input_len <= T::DatasetBounds::get().max_input_len
				&& terms.test_chunks >= 1
				&& terms.max_chunk_samples >= 1
				&& terms.max_chunk_samples <= T::DatasetBounds::get().max_samples
				&& terms.max_model_cost >= 1
				&& terms.max_model_cost <= bounds.max_cost
				&& terms.max_submissions >= 1
				&& terms.max_submissions <= T::MaxSubmissions::get()
				&& !terms.reward.is_zero()
				&& terms.payout.is_valid()
				&& period_ok(terms.data_period)
				&& period_ok(terms.submission_period)
				&& period_ok(terms.reveal_period)
				&& terms.challenge_period >= T::MinPeriod::get()
				&& terms.challenge_period <= T::MaxChallengePeriod::get(),
			Error::<T>::InvalidTerms
		);
		let step = terms.max_model_cost.checked_mul(u64::from(terms.max_chunk_samples));
		ensure!(
			step.is_some_and(|s| s <= T::MaxVerifyCost::get())
				&& Self::worst_evaluation_cost(terms).is_some_and(|c| c <= T::MaxEvaluationCost::get()),
			Error::<T>::EvaluationTooCostly
		);
		Ok(())
	}

	/// The most inference cost an evaluation under `terms` can take: every allowed submission
	/// at `max_model_cost` on full test chunks (`None` on overflow).
	pub fn worst_evaluation_cost(terms: &TermsOf<T>) -> Option<u64> {
		terms
			.max_model_cost
			.checked_mul(u64::from(terms.max_chunk_samples))?
			.checked_mul(u64::from(terms.test_chunks))?
			.checked_mul(u64::from(terms.max_submissions))
	}

	/// The least evaluation fee `terms` need for `evaluators` evaluators:
	/// `MinEvaluationFeePerGigaCost` per evaluator per 10^9 units of the worst-case evaluation
	/// cost, rounded up (`None` on overflow).
	pub fn evaluation_fee_for(terms: &TermsOf<T>, evaluators: u32) -> Option<BalanceOf<T>> {
		let giga = BalanceOf::<T>::from(1_000_000_000u32);
		let cost = BalanceOf::<T>::try_from(Self::worst_evaluation_cost(terms)?).ok()?;
		let per_evaluator = T::MinEvaluationFeePerGigaCost::get()
			.checked_mul(&cost)?
			.checked_add(&giga.saturating_sub(1u32.into()))?
			.checked_div(&giga)?;
		per_evaluator.checked_mul(&evaluators.into())
	}

	pub(crate) fn do_reveal_chunk(
		who: T::AccountId,
		id: BountyId,
		index: u32,
		blob_hash: Hash,
		salt: [u8; 32],
		uri: Option<BoundedVec<u8, T::MaxUriLen>>,
	) -> DispatchResultWithPostInfo {
		let mut bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		ensure!(bounty.requester == who, Error::<T>::NotRequester);
		let mut chunk = Chunks::<T>::get(id, index).ok_or(Error::<T>::UnknownChunk)?;
		ensure!(chunk.revealed.is_none(), Error::<T>::AlreadyRevealed);
		let is_test = chunk.role == ChunkRole::Test;
		let revealable = match bounty.phase {
			Phase::Data => matches!(chunk.role, ChunkRole::Training | ChunkRole::Validation),
			Phase::Reveal => is_test,
			_ => false,
		} && Self::is_open(&bounty, bounty.phase);
		ensure!(revealable, Error::<T>::ChunkNotRevealable);
		ensure!(chunk_commitment(&blob_hash, &salt) == chunk.commitment, Error::<T>::CommitmentMismatch);
		let mut weight_len = 0u32;
		let samples = if is_test {
			// The chain scores models on test chunks: they must be on chain and well formed.
			ensure!(uri.is_none(), Error::<T>::ChunkNotRevealable);
			let dataset = Self::fetch_dataset(&blob_hash)?;
			weight_len = dataset.1;
			Self::check_test_chunk(&bounty.terms, &dataset.0)?
		} else {
			if uri.is_none() {
				ensure!(T::Preimages::len(&blob_hash).is_some(), Error::<T>::BlobNotFound);
			}
			0
		};

		if uri.is_none() {
			T::Preimages::request(&blob_hash);
		}
		chunk.revealed = Some(RevealedChunk { hash: blob_hash, uri, samples, len: weight_len });
		let role = chunk.role;
		Chunks::<T>::insert(id, index, chunk);
		if is_test {
			bounty.test_revealed = bounty.test_revealed.saturating_add(1);
			bounty.test_samples = bounty.test_samples.saturating_add(samples);
		} else {
			bounty.data_revealed = bounty.data_revealed.saturating_add(1);
		}
		Self::deposit_event(Event::ChunkRevealed { bounty: id, chunk: index, role, hash: blob_hash });
		let data_chunks = bounty.chunks.saturating_sub(bounty.terms.test_chunks);
		if bounty.phase == Phase::Data && bounty.data_revealed == data_chunks {
			// Everything to train on is out: submissions open now, not at the data deadline.
			let now = frame_system::Pallet::<T>::block_number();
			let next = now.saturating_add(bounty.terms.submission_period);
			Self::enter_phase(id, &mut bounty, Phase::Submission, next);
		}
		Bounties::<T>::insert(id, bounty);
		Ok(PostDispatchInfo { actual_weight: Some(T::WeightInfo::reveal_chunk(weight_len)), pays_fee: Pays::Yes })
	}

	/// Fetches and decodes the dataset blob `hash` within `DatasetBounds`; returns it and its
	/// length.
	pub(crate) fn fetch_dataset(hash: &Hash) -> Result<(Dataset, u32), DispatchError> {
		let bounds = T::DatasetBounds::get();
		let len = T::Preimages::len(hash).ok_or(Error::<T>::BlobNotFound)?;
		ensure!(len <= bounds.max_blob_len, Error::<T>::InvalidDataset);
		let blob = T::Preimages::fetch(hash, Some(len)).map_err(|_| Error::<T>::BlobNotFound)?;
		let dataset = Dataset::decode_blob(&blob, &bounds).map_err(|_| Error::<T>::InvalidDataset)?;
		Ok((dataset, len))
	}

	/// A test chunk's sample count, if it has the bounty's input length, labels for its
	/// metric (class labels below the class count, or as many targets as outputs) and at most
	/// `max_chunk_samples` samples.
	fn check_test_chunk(terms: &TermsOf<T>, dataset: &Dataset) -> Result<u32, DispatchError> {
		let samples = dataset.samples().map_err(|_| Error::<T>::InvalidDataset)?;
		let labels_ok = match (&dataset.labels, terms.output) {
			(Labels::Class(labels), OutputShape::Classes(n)) => labels.iter().all(|l| *l < n),
			(Labels::Regression { outputs, .. }, OutputShape::Regression(n)) => *outputs == n,
			_ => false,
		};
		ensure!(
			labels_ok && dataset.input_len == terms.input_len && samples >= 1 && samples <= terms.max_chunk_samples,
			Error::<T>::InvalidDataset
		);
		Ok(samples)
	}

	pub(crate) fn do_submit(who: T::AccountId, id: BountyId, commitment: [u8; 32]) -> DispatchResult {
		let mut bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		ensure!(Self::is_open(&bounty, Phase::Submission), Error::<T>::WrongPhase);
		ensure!(who != bounty.requester, Error::<T>::RequesterCannotSubmit);
		ensure!(bounty.submissions < bounty.terms.max_submissions, Error::<T>::TooManySubmissions);
		let stake = bounty.terms.trainer_stake;
		funds::hold::<T::Currency, _>(&HoldReason::TrainerStake.into(), &who, stake)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let index = bounty.next_submission;
		bounty.next_submission = index.saturating_add(1);
		bounty.submissions = bounty.submissions.saturating_add(1);
		let now = frame_system::Pallet::<T>::block_number();
		Submissions::<T>::insert(
			id,
			index,
			Submission {
				trainer: who.clone(),
				commitment,
				committed_at: now,
				stake,
				model: None,
				list_fee: None,
				score: None,
			},
		);
		Bounties::<T>::insert(id, bounty);
		Self::deposit_event(Event::Submitted { bounty: id, submission: index, trainer: who });
		Ok(())
	}

	pub(crate) fn do_withdraw(who: T::AccountId, id: BountyId, index: SubmissionIndex) -> DispatchResult {
		let mut bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		ensure!(Self::is_open(&bounty, Phase::Submission), Error::<T>::WrongPhase);
		let submission = Submissions::<T>::get(id, index).ok_or(Error::<T>::UnknownSubmission)?;
		ensure!(submission.trainer == who, Error::<T>::NotTrainer);
		Submissions::<T>::remove(id, index);
		funds::release::<T::Currency, _>(&HoldReason::TrainerStake.into(), &who, submission.stake);
		bounty.submissions = bounty.submissions.saturating_sub(1);
		Bounties::<T>::insert(id, bounty);
		Self::deposit_event(Event::Withdrawn { bounty: id, submission: index });
		Ok(())
	}

	pub(crate) fn do_reveal_model(
		who: T::AccountId,
		id: BountyId,
		index: SubmissionIndex,
		blob_hash: Hash,
		salt: [u8; 32],
		list_fee: Option<BalanceOf<T>>,
	) -> DispatchResultWithPostInfo {
		let mut bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		ensure!(Self::is_open(&bounty, Phase::Reveal), Error::<T>::WrongPhase);
		let mut submission = Submissions::<T>::get(id, index).ok_or(Error::<T>::UnknownSubmission)?;
		ensure!(submission.trainer == who, Error::<T>::NotTrainer);
		ensure!(submission.model.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(model_commitment(id, &who, &blob_hash, &salt) == submission.commitment, Error::<T>::CommitmentMismatch);
		let (model, blob_len) = Self::fetch_model(&blob_hash)?;
		let cost = Self::check_model(&bounty.terms, &model)?;

		T::Preimages::request(&blob_hash);
		submission.model = Some(RevealedModel { blob_hash, blob_len, cost });
		submission.list_fee = list_fee;
		Submissions::<T>::insert(id, index, submission);
		bounty.revealed = bounty.revealed.saturating_add(1);
		Self::deposit_event(Event::ModelRevealed { bounty: id, submission: index, blob_hash, cost });
		Bounties::<T>::insert(id, bounty);
		Ok(PostDispatchInfo { actual_weight: Some(T::WeightInfo::reveal_model(blob_len)), pays_fee: Pays::Yes })
	}

	/// Fetches and decodes model blob `hash` within the model registry's bounds; returns it
	/// and its length.
	/// Preimage `hash` if it is at most `max_len` bytes, unread otherwise: what an off-chain
	/// worker hands its engine to decode (no error: the engine's decoding says what is wrong).
	pub(crate) fn fetch_blob(hash: &Hash, max_len: u32) -> Option<alloc::vec::Vec<u8>> {
		let len = T::Preimages::len(hash).filter(|&len| len <= max_len)?;
		T::Preimages::fetch(hash, Some(len)).ok().map(|blob| blob.into_owned())
	}

	pub(crate) fn fetch_model(hash: &Hash) -> Result<(Model, u32), DispatchError> {
		let bounds = T::Models::bounds();
		let len = T::Preimages::len(hash).ok_or(Error::<T>::BlobNotFound)?;
		ensure!(len <= bounds.max_blob_len, Error::<T>::InvalidModel);
		let blob = T::Preimages::fetch(hash, Some(len)).map_err(|_| Error::<T>::BlobNotFound)?;
		let model = Model::decode_blob(&blob, &bounds).map_err(|_| Error::<T>::InvalidModel)?;
		Ok((model, len))
	}

	/// The model's cost, if it fits the bounty: input length, output kind and size, cost.
	fn check_model(terms: &TermsOf<T>, model: &Model) -> Result<u64, DispatchError> {
		let summary = model.validate(&T::Models::bounds()).map_err(|_| Error::<T>::InvalidModel)?;
		let output_ok = match (terms.output, model.output) {
			(OutputShape::Classes(n), OutputKind::Class) => summary.output_len == n,
			(OutputShape::Regression(n), OutputKind::Regression { .. }) => summary.output_len == n,
			_ => false,
		};
		ensure!(
			output_ok && summary.input_len == terms.input_len && summary.cost <= terms.max_model_cost,
			Error::<T>::ModelDoesNotFit
		);
		Ok(summary.cost)
	}

	pub(crate) fn do_advance(id: BountyId) -> DispatchResultWithPostInfo {
		let bounty = Bounties::<T>::get(id).ok_or(Error::<T>::UnknownBounty)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= bounty.deadline, Error::<T>::DeadlineNotReached);
		// The calendar entry is now stale; the hook skips it.
		DeadlinesOf::<T>::unschedule(bounty.deadline, &id);
		let settled = Self::end_phase(id, now);
		// Free only when it moved the bounty on: a phase that waits (a draw retried, a score
		// still being verified) would otherwise let anyone call it free every block.
		let moved = Bounties::<T>::get(id).is_none_or(|b| b.phase != bounty.phase);
		let pays_fee = if moved { Pays::No } else { Pays::Yes };
		Ok(PostDispatchInfo { actual_weight: Some(T::WeightInfo::advance(settled)), pays_fee })
	}

	/// The submissions of bounty `id` in index order (at most `MaxSubmissions`).
	pub(crate) fn submissions_of(id: BountyId) -> Vec<(SubmissionIndex, Submission<T>)> {
		let mut all: Vec<_> = Submissions::<T>::iter_prefix(id).collect();
		all.sort_by_key(|(index, _)| *index);
		all
	}
}
