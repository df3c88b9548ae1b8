//! Every call, error and phase transition, the money after each path, and the attacks on
//! DanKu-style competitions as regression tests.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	weights::Weight,
	BoundedVec,
};
use modelchain_nn::{Bounds, Metric, MetricAccumulator, Model};
use modelchain_primitives::traits::{OffenceKind, TaskOutcome};
use polkadot_sdk::sp_runtime::{DispatchError, Perbill};

type E = Error<Test>;

fn origin(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

/// Free plus held: what an account owns (noting a preimage holds, it does not spend).
fn total(who: AccountId) -> Balance {
	Balances::total_balance(&who)
}

fn held(reason: HoldReason, who: AccountId) -> Balance {
	Balances::balance_on_hold(&reason.into(), &who)
}

fn note(who: AccountId, blob: Vec<u8>) {
	assert_ok!(Preimage::note_preimage(origin(who), blob));
}

fn commitments() -> BoundedVec<[u8; 32], <Test as Config>::MaxChunks> {
	let all = chunks();
	let commitments =
		all.iter().enumerate().map(|(i, c)| chunk_commitment(&hash_of(&c.encode_blob()), &chunk_salt(i as u32)));
	BoundedVec::truncate_from(commitments.collect())
}

fn create_with(terms: TermsOf<Test>) -> BountyId {
	let id = NextBountyId::<Test>::get();
	assert_ok!(MlBounties::create_bounty(
		origin(REQUESTER),
		BoundedVec::truncate_from(b"digits".to_vec()),
		terms,
		commitments()
	));
	id
}

fn bounty(id: BountyId) -> Bounty<Test> {
	crate::Bounties::<Test>::get(id).expect("the bounty exists")
}

fn role(id: BountyId, chunk: u32) -> ChunkRole {
	Chunks::<Test>::get(id, chunk).unwrap().role
}

/// Notes chunk `chunk`'s blob on chain (as the requester does right before revealing it:
/// noting publishes it).
fn note_chunk(chunk: u32) {
	let blob = chunks()[chunk as usize].encode_blob();
	if Preimage::len(&hash_of(&blob)).is_none() {
		note(REQUESTER, blob);
	}
}

/// Reveals chunk `chunk` (noted before with `note_chunk`).
fn try_reveal_chunk(id: BountyId, chunk: u32) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let blob = chunks()[chunk as usize].encode_blob();
	MlBounties::reveal_chunk(origin(REQUESTER), id, chunk, hash_of(&blob), chunk_salt(chunk), None)
}

fn reveal_chunk(id: BountyId, chunk: u32) -> frame_support::dispatch::DispatchResultWithPostInfo {
	note_chunk(chunk);
	try_reveal_chunk(id, chunk)
}

use frame_support::traits::QueryPreimage as _;

/// Reveals every chunk of `role`.
fn reveal_all(id: BountyId, roles: &[ChunkRole]) {
	for chunk in 0..CHUNKS {
		if roles.contains(&role(id, chunk)) {
			assert_ok!(reveal_chunk(id, chunk));
		}
	}
}

/// Creates a bounty with `terms`, draws its split and reveals its data: submissions are open.
fn open_with(terms: TermsOf<Test>) -> BountyId {
	let id = create_with(terms);
	run_to_block(System::block_number() + 1);
	assert_eq!(bounty(id).phase, Phase::Data);
	reveal_all(id, &[ChunkRole::Training, ChunkRole::Validation]);
	assert_eq!(bounty(id).phase, Phase::Submission);
	id
}

fn open() -> BountyId {
	open_with(terms())
}

fn salt_of(trainer: AccountId) -> [u8; 32] {
	[trainer as u8; 32]
}

/// `trainer` commits `blob` (noting it on chain); returns the submission index.
fn submit(trainer: AccountId, id: BountyId, blob: &[u8]) -> SubmissionIndex {
	let index = bounty(id).next_submission;
	let commitment = model_commitment(id, &trainer, &hash_of(blob), &salt_of(trainer));
	assert_ok!(MlBounties::submit(origin(trainer), id, commitment));
	index
}

fn note_model(trainer: AccountId, blob: &[u8]) {
	if Preimage::len(&hash_of(blob)).is_none() {
		note(trainer, blob.to_vec());
		Models::note_blob(blob.to_vec());
	}
}

/// Reveals `blob` (noted before with `note_model`) as `trainer`'s model.
fn try_reveal_model(
	trainer: AccountId,
	id: BountyId,
	index: SubmissionIndex,
	blob: &[u8],
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	MlBounties::reveal_model(origin(trainer), id, index, hash_of(blob), salt_of(trainer), None)
}

fn reveal_model(
	trainer: AccountId,
	id: BountyId,
	index: SubmissionIndex,
	blob: &[u8],
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	note_model(trainer, blob);
	try_reveal_model(trainer, id, index, blob)
}

/// Runs to the block in which bounty `id`'s current phase ends.
fn end_phase(id: BountyId) {
	run_to_block(bounty(id).deadline);
}

/// Submissions closed, test set and the given models revealed, evaluators drawn.
fn evaluating(models: &[(AccountId, Vec<u8>)]) -> (BountyId, Vec<SubmissionIndex>) {
	let id = open();
	let indices: Vec<_> = models.iter().map(|(t, blob)| submit(*t, id, blob)).collect();
	end_phase(id);
	assert_eq!(bounty(id).phase, Phase::Reveal);
	reveal_all(id, &[ChunkRole::Test]);
	for ((t, blob), index) in models.iter().zip(&indices) {
		assert_ok!(reveal_model(*t, id, *index, blob));
	}
	end_phase(id);
	assert_eq!(bounty(id).phase, Phase::Evaluation);
	(id, indices)
}

/// The score of `blob` on bounty `id`'s test set, computed here with the engine.
fn true_score(id: BountyId, blob: &[u8]) -> ScoreValue {
	let model = Model::decode_blob(blob, &Bounds::default()).unwrap();
	let mut acc = MetricAccumulator::new(Metric::Accuracy);
	let all = chunks();
	for chunk in TestSet::<Test>::get(id).unwrap() {
		acc.add_chunk(&model, &all[chunk as usize]).unwrap();
	}
	acc.score().ok()
}

fn scores(values: &[ScoreValue]) -> BoundedVec<ScoreValue, <Test as Config>::MaxSubmissions> {
	BoundedVec::truncate_from(values.to_vec())
}

fn score_salt(evaluator: AccountId) -> [u8; 32] {
	[evaluator as u8 + 50; 32]
}

/// Evaluator (stash) `w` commits to `values` with its worker key.
fn commit_scores(
	w: AccountId,
	id: BountyId,
	values: &[ScoreValue],
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let c = scores_commitment(id, &w, values, &score_salt(w));
	MlBounties::submit_scores(origin(w + 10), id, ScoreSubmission::Commit(c))
}

fn reveal_scores(
	w: AccountId,
	id: BountyId,
	values: &[ScoreValue],
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	MlBounties::submit_scores(origin(w + 10), id, ScoreSubmission::Reveal(scores(values), score_salt(w)))
}

/// Every evaluator commits and reveals its row of scores.
fn evaluate(id: BountyId, rows: [&[ScoreValue]; 3]) {
	for (w, row) in EVALUATORS.iter().zip(rows) {
		assert_ok!(commit_scores(*w, id, row));
	}
	for (w, row) in EVALUATORS.iter().zip(rows) {
		assert_ok!(reveal_scores(*w, id, row));
	}
}

fn escrow() -> Balance {
	REWARD + EVALUATION_FEE
}

fn deposit() -> Balance {
	BOUNTY_DEPOSIT + CHUNK_DEPOSIT * CHUNKS as Balance
}

#[test]
fn integrity_test_accepts_the_mock_and_the_split_is_drawn_after_creation() {
	ExtBuilder.build_and_execute(|| {
		let id = create_with(terms());
		assert_eq!(id, 0);
		assert_eq!(NextBountyId::<Test>::get(), 1, "the id counter moves");
		let b = bounty(id);
		assert_eq!((b.phase, b.deadline, b.escrow, b.deposit), (Phase::Split, 2, escrow(), deposit()));
		assert_eq!(held(HoldReason::Escrow, REQUESTER), escrow());
		assert_eq!(held(HoldReason::RequesterDeposit, REQUESTER), deposit());
		// Nothing is drawn in the creation block: the requester cannot know the split.
		assert!((0..CHUNKS).all(|c| role(id, c) == ChunkRole::Undrawn));
		run_to_block(2);
		let roles: Vec<_> = (0..CHUNKS).map(|c| role(id, c)).collect();
		assert_eq!(roles.iter().filter(|r| **r == ChunkRole::Test).count(), 2);
		assert_eq!(roles.iter().filter(|r| **r == ChunkRole::Validation).count(), 1);
		assert_eq!(TestSet::<Test>::get(id).unwrap().len(), 2);
		assert_eq!((bounty(id).phase, bounty(id).deadline), (Phase::Data, 2 + PERIOD));
		assert!(events().iter().any(|e| matches!(e, Event::SplitDrawn { bounty: 0, .. })));
	});
}

#[test]
fn a_split_waits_for_randomness_the_requester_could_not_know() {
	ExtBuilder.build_and_execute(|| {
		// Randomness known since the creation block: the requester could have seen it.
		FreezeRandomness::set(Some(1));
		let id = create_with(terms());
		run_to_block(3);
		assert_eq!(bounty(id).phase, Phase::Split);
		assert!((0..CHUNKS).all(|c| role(id, c) == ChunkRole::Undrawn));
		FreezeRandomness::set(None);
		run_to_block(4);
		assert_eq!(bounty(id).phase, Phase::Data);
	});
}

#[test]
fn the_split_depends_on_the_randomness_not_on_the_requester() {
	// Regression (DanKu's predictable first test index): the same commitments under other
	// randomness give other test chunks, so no chunk is test by position.
	let split_with = |secret: u8| {
		let mut test = Vec::new();
		ExtBuilder.build_and_execute(|| {
			set_randomness([secret; 32]);
			let id = create_with(terms());
			run_to_block(2);
			test = TestSet::<Test>::get(id).unwrap().into_inner();
		});
		test
	};
	let splits: Vec<_> = (0..8).map(split_with).collect();
	assert!(splits.iter().any(|s| *s != splits[0]), "every randomness gave the same split: {splits:?}");
	let firsts: std::collections::BTreeSet<u32> = splits.iter().map(|s| s[0]).collect();
	assert!(firsts.len() > 1, "the first test chunk is always {firsts:?}");
}

/// Clients compute these hashes themselves (`mlc`'s `commit.rs` pins the same answers).
#[test]
fn commitments_have_known_answers() {
	let hex = |h: [u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
	let blob = hash_of(b"modelchain");
	assert_eq!(
		hex(chunk_commitment(&blob, &[7; 32])),
		"fdec99f25e49070b1df0f032b34cd4a6e10aef566f8bdfe0176884113b194a73"
	);
	let trainer = polkadot_sdk::sp_runtime::AccountId32::new([1; 32]);
	assert_eq!(
		hex(model_commitment(3, &trainer, &blob, &[7; 32])),
		"0af04f5120f8c0bc0490b686fc40bb3dd658db8a223f3e4d1b97e526adf00537"
	);
}

#[test]
fn create_checks_everything_and_holds_nothing_on_error() {
	ExtBuilder.build_and_execute(|| {
		let bad = |f: fn(&mut TermsOf<Test>)| {
			let mut t = terms();
			f(&mut t);
			t
		};
		let m = || BoundedVec::truncate_from(b"x".to_vec());
		let cases: Vec<(TermsOf<Test>, E)> = vec![
			(bad(|t| t.metric = Metric::MeanSquaredError), E::InvalidTerms),
			(bad(|t| t.output = OutputShape::Classes(0)), E::InvalidTerms),
			(bad(|t| t.input_len = 0), E::InvalidTerms),
			(bad(|t| t.test_chunks = 0), E::InvalidTerms),
			(bad(|t| t.reward = 0), E::InvalidTerms),
			(bad(|t| t.max_submissions = 0), E::InvalidTerms),
			(bad(|t| t.max_submissions = 9), E::InvalidTerms),
			(bad(|t| t.data_period = 1), E::InvalidTerms),
			(bad(|t| t.reveal_period = 101), E::InvalidTerms),
			(bad(|t| t.challenge_period = 1), E::InvalidTerms),
			(bad(|t| t.challenge_period = 21), E::InvalidTerms),
			(bad(|t| t.max_model_cost = 200_000), E::InvalidTerms),
			(
				bad(|t| t.payout = Payout::TopN(BoundedVec::truncate_from(vec![Perbill::from_percent(60)]))),
				E::InvalidTerms,
			),
			(bad(|t| t.payout = Payout::TopN(BoundedVec::new())), E::InvalidTerms),
			// 10,000 × 2,000 = 2e7 > MaxVerifyCost (1e7).
			(bad(|t| t.max_chunk_samples = 2_000), E::EvaluationTooCostly),
			// 10,000 × 1,000 × 5 × 4 = 2e8 > MaxEvaluationCost (1e8).
			(
				bad(|t| {
					t.max_chunk_samples = 1_000;
					t.test_chunks = 5;
					t.validation_chunks = 0;
				}),
				E::EvaluationTooCostly,
			),
			(bad(|t| t.evaluation_fee = 0), E::EvaluationFeeTooLow),
			(bad(|t| t.evaluation_fee = EVALUATION_FEE - 1), E::EvaluationFeeTooLow),
			// Twice the submissions, twice the evaluators' work: the same fee no longer pays.
			(bad(|t| t.max_submissions = 8), E::EvaluationFeeTooLow),
			(bad(|t| t.test_chunks = 5), E::WrongChunkCount),
			(bad(|t| t.validation_chunks = 4), E::WrongChunkCount),
		];
		for (t, error) in cases {
			assert_noop!(MlBounties::create_bounty(origin(REQUESTER), m(), t.clone(), commitments()), error);
		}
		// 30 pays the escrow but not the deposit: nothing held. 40 has nothing at all.
		let poor = 30;
		assert_ok!(Balances::transfer_allow_death(origin(poor), 2, INITIAL_BALANCE - REWARD - EVALUATION_FEE - 50));
		assert_noop!(MlBounties::create_bounty(origin(poor), m(), terms(), commitments()), E::InsufficientBalance);
		assert_eq!(held(HoldReason::Escrow, poor), 0);
		assert_noop!(MlBounties::create_bounty(origin(40), m(), terms(), commitments()), E::InsufficientBalance);
	});
}

/// The griefing attack: a requester posts the costliest evaluation its terms allow and pays
/// the evaluators nothing, so they compute for hours for free or take the liveness slash (and
/// sit out of other draws meanwhile). The fee must pay every drawn evaluator for the terms'
/// worst case, and the draw uses the parameters the fee paid for.
#[test]
fn the_evaluation_fee_pays_every_evaluator_for_the_worst_case() {
	ExtBuilder.build_and_execute(|| {
		// 10,000 × 100 × 2 × 4 = 8e6 cost units, 12,500 per 10^9: 100 per evaluator, 3 drawn.
		assert_eq!(MlBounties::worst_evaluation_cost(&terms()), Some(8_000_000));
		assert_eq!(MlBounties::min_evaluation_fee(terms()), Some(EVALUATION_FEE));
		let mut cheap = terms();
		cheap.max_model_cost = 1;
		// 800 units: 0.01 rounds up to 1 per evaluator, never to nothing.
		assert_eq!(MlBounties::min_evaluation_fee(cheap.clone()), Some(3));
		cheap.evaluation_fee = 2;
		assert_noop!(
			MlBounties::create_bounty(
				origin(REQUESTER),
				BoundedVec::truncate_from(b"x".to_vec()),
				cheap.clone(),
				commitments()
			),
			E::EvaluationFeeTooLow
		);
		cheap.evaluation_fee = 3;
		assert_ok!(MlBounties::create_bounty(
			origin(REQUESTER),
			BoundedVec::truncate_from(b"x".to_vec()),
			cheap,
			commitments()
		));

		// The fee checked at creation pays for three evaluators: lowering R later does not
		// change the draw (raising it would not dilute the fee either).
		let (id, _) = {
			let id = open();
			let s = submit(2, id, DIGITS);
			assert_ok!(MlBounties::set_evaluation_parameters(
				RuntimeOrigin::root(),
				EvaluationParameters { evaluators: 1, quorum: 1 }
			));
			assert_eq!(MlBounties::min_evaluation_fee(terms()), Some(EVALUATION_FEE / 3));
			end_phase(id);
			reveal_all(id, &[ChunkRole::Test]);
			assert_ok!(reveal_model(2, id, s, DIGITS));
			end_phase(id);
			(id, s)
		};
		assert_eq!(bounty(id).evaluation, Some(EvaluationParameters { evaluators: 3, quorum: 2 }));
		let evaluation = Evaluations::<Test>::get(id).unwrap();
		assert_eq!((evaluation.evaluators.len(), evaluation.quorum), (3, 2));

		// Without evaluators the chain computes every score and the fee may be anything.
		crate::EvaluationParams::<Test>::kill();
		assert_eq!(MlBounties::min_evaluation_fee(terms()), Some(0));
	});
}

#[test]
fn data_reveals_are_checked_against_commitments_and_open_submissions() {
	ExtBuilder.build_and_execute(|| {
		let id = create_with(terms());
		// Before the split nothing is revealable.
		note_chunk(0);
		assert_noop!(try_reveal_chunk(id, 0), E::ChunkNotRevealable);
		run_to_block(2);
		let test = TestSet::<Test>::get(id).unwrap()[0];
		let training = (1..CHUNKS).find(|c| role(id, *c) == ChunkRole::Training).unwrap();
		let blob = chunks()[training as usize].encode_blob();
		assert_noop!(
			MlBounties::reveal_chunk(origin(REQUESTER), id, training, hash_of(&blob), chunk_salt(training), None),
			E::BlobNotFound
		);
		note(REQUESTER, blob.clone());
		assert_noop!(
			MlBounties::reveal_chunk(origin(2), id, training, hash_of(&blob), chunk_salt(training), None),
			E::NotRequester
		);
		assert_noop!(
			MlBounties::reveal_chunk(origin(REQUESTER), id, training, hash_of(&blob), [0; 32], None),
			E::CommitmentMismatch
		);
		assert_noop!(
			MlBounties::reveal_chunk(origin(REQUESTER), 7, 0, hash_of(&blob), [0; 32], None),
			E::UnknownBounty
		);
		assert_noop!(
			MlBounties::reveal_chunk(origin(REQUESTER), id, 60, hash_of(&blob), [0; 32], None),
			E::UnknownChunk
		);
		// The test set stays secret until submissions close.
		note_chunk(test);
		assert_noop!(try_reveal_chunk(id, test), E::ChunkNotRevealable);
		// A URI instead of a preimage is fine for training data.
		let uri = BoundedVec::truncate_from(b"ipfs://chunk".to_vec());
		assert_ok!(MlBounties::reveal_chunk(
			origin(REQUESTER),
			id,
			training,
			hash_of(&blob),
			chunk_salt(training),
			Some(uri)
		));
		assert_noop!(try_reveal_chunk(id, training), E::AlreadyRevealed);
		assert_eq!(bounty(id).phase, Phase::Data);
		run_to_block(4);
		reveal_all(id, &[ChunkRole::Validation]);
		for c in 0..CHUNKS {
			if role(id, c) == ChunkRole::Training && c != training {
				assert_ok!(reveal_chunk(id, c));
			}
		}
		// All data out at block 4: submissions open at once, for the submission period.
		assert_eq!((bounty(id).phase, bounty(id).deadline), (Phase::Submission, 4 + PERIOD));
		assert_eq!(bounty(id).data_revealed, CHUNKS - 2);
	});
}

#[test]
fn a_requester_that_hides_its_training_data_loses_the_deposit_and_the_bounty_ends() {
	ExtBuilder.build_and_execute(|| {
		let before = total(REQUESTER);
		let id = create_with(terms());
		run_to_block(2);
		end_phase(id);
		let b = bounty(id);
		assert_eq!(b.phase, Phase::Cancelled);
		assert_eq!(total(REQUESTER), before - deposit());
		assert_eq!(held(HoldReason::Escrow, REQUESTER), 0);
		assert_eq!(total(FEE_SINK), deposit());
		assert!(events().contains(&Event::RequesterDefaulted { bounty: id, deposit: deposit(), shared: 0 }));
		// Kept for the retention period, then removed.
		run_to_block(b.deadline);
		assert!(crate::Bounties::<Test>::get(id).is_none());
		assert_eq!(Chunks::<Test>::iter_prefix(id).count(), 0);
	});
}

#[test]
fn submissions_hold_the_stake_and_can_be_withdrawn_before_the_deadline() {
	ExtBuilder.build_and_execute(|| {
		let id = open();
		assert_noop!(MlBounties::submit(origin(REQUESTER), id, [1; 32]), E::RequesterCannotSubmit);
		let a = submit(2, id, DIGITS);
		assert_eq!(held(HoldReason::TrainerStake, 2), TRAINER_STAKE);
		assert_noop!(MlBounties::withdraw(origin(3), id, a), E::NotTrainer);
		assert_noop!(MlBounties::withdraw(origin(2), id, 9), E::UnknownSubmission);
		assert_ok!(MlBounties::withdraw(origin(2), id, a));
		assert_eq!(held(HoldReason::TrainerStake, 2), 0);
		assert_eq!(total(2), INITIAL_BALANCE);
		let poor = 7;
		assert_ok!(Balances::transfer_allow_death(origin(poor), 8, INITIAL_BALANCE - 10));
		assert_noop!(MlBounties::submit(origin(poor), id, [1; 32]), E::InsufficientBalance);
		for t in 2..6 {
			submit(t, id, DIGITS);
		}
		assert_noop!(MlBounties::submit(origin(6), id, [1; 32]), E::TooManySubmissions);
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Reveal);
		assert_noop!(MlBounties::submit(origin(6), id, [1; 32]), E::WrongPhase);
		assert_noop!(MlBounties::withdraw(origin(3), id, 1), E::WrongPhase);
		// Regression (a counter that never increments): indices are distinct.
		let indices: Vec<_> = Submissions::<Test>::iter_key_prefix(id).collect();
		assert_eq!(indices.len(), 4);
	});
}

#[test]
fn a_bounty_nobody_submits_to_refunds_everything() {
	ExtBuilder.build_and_execute(|| {
		let before = total(REQUESTER);
		let id = open();
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Cancelled);
		assert_eq!(total(REQUESTER), before);
		assert_eq!(held(HoldReason::Escrow, REQUESTER) + held(HoldReason::RequesterDeposit, REQUESTER), 0);
		assert!(events().contains(&Event::BountyCancelled { bounty: id }));
	});
}

#[test]
fn three_trainers_the_best_model_wins_and_everyone_honest_gets_their_stake_back() {
	ExtBuilder.build_and_execute(|| {
		let issuance = Balances::total_issuance();
		let before: Vec<Balance> = [REQUESTER, 2, 3, 4, 11, 12, 13].iter().map(|w| total(*w)).collect();
		let weak = weak_model();
		let (id, subs) = evaluating(&[(2, weak.clone()), (3, DIGITS.to_vec()), (4, weak.clone())]);
		let (good, bad) = (true_score(id, DIGITS), true_score(id, &weak));
		assert!(good.unwrap() > 500_000 && bad.unwrap() < 500_000, "{good:?} {bad:?}");
		let row = [bad, good, bad];
		evaluate(id, [&row, &row, &row]);
		let b = bounty(id);
		assert_eq!(b.phase, Phase::Scored, "all revealed: scored without waiting for the deadline");
		for (s, v) in subs.iter().zip(row) {
			assert_eq!(Submissions::<Test>::get(id, s).unwrap().score, Some(ScoreState::Quorum(v)));
		}
		let board = MlBounties::build_leaderboard(id).unwrap();
		assert_eq!(board.submissions.iter().map(|e| e.rank).collect::<Vec<_>>(), vec![None, Some(0), None]);
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Finalized);
		let fee = EVALUATION_FEE / 3;
		let after: Vec<Balance> = [REQUESTER, 2, 3, 4, 11, 12, 13].iter().map(|w| total(*w)).collect();
		assert_eq!(after[0], before[0] - REWARD - 3 * fee, "requester pays the reward and the evaluators");
		assert_eq!(after[1], before[1], "an honest loser keeps its stake");
		assert_eq!(after[2], before[2] + REWARD, "the winner is paid and keeps its stake");
		assert_eq!(after[3], before[3]);
		for i in 4..7 {
			assert_eq!(after[i], before[i] + fee, "a right evaluator is paid");
		}
		assert_eq!(Balances::total_issuance(), issuance, "no money is created or destroyed");
		assert!(events().contains(&Event::BountyFinalized {
			bounty: id,
			winners: vec![(subs[1], 3, REWARD)],
			refunded: 0
		}));
		for w in EVALUATORS {
			assert!(Workers::outcomes().contains(&(w, TaskOutcome::Agreed)));
			assert!(Evaluating::<Test>::get(w).is_none());
		}
		assert!(Workers::offences().is_empty());
		for t in [2, 3, 4] {
			assert_eq!(held(HoldReason::TrainerStake, t), 0);
		}
	});
}

#[test]
fn a_copied_commitment_cannot_be_revealed_and_its_copier_loses_the_stake() {
	ExtBuilder.build_and_execute(|| {
		let id = open();
		let honest = submit(2, id, DIGITS);
		let original = Submissions::<Test>::get(id, honest).unwrap().commitment;
		// Trainer 3 copies trainer 2's commitment.
		assert_ok!(MlBounties::submit(origin(3), id, original));
		let copy = 1;
		end_phase(id);
		reveal_all(id, &[ChunkRole::Test]);
		assert_noop!(
			MlBounties::reveal_model(origin(3), id, copy, hash_of(DIGITS), salt_of(2), None),
			E::CommitmentMismatch
		);
		note_model(2, DIGITS);
		assert_noop!(try_reveal_model(3, id, honest, DIGITS), E::NotTrainer);
		assert_ok!(reveal_model(2, id, honest, DIGITS));
		assert_noop!(try_reveal_model(2, id, honest, DIGITS), E::AlreadyRevealed);
		end_phase(id);
		assert_eq!(total(3), INITIAL_BALANCE - TRAINER_STAKE);
		assert_eq!(total(FEE_SINK), TRAINER_STAKE);
		assert!(events().contains(&Event::StakeForfeited { bounty: id, submission: copy, stake: TRAINER_STAKE }));
		assert_eq!(bounty(id).phase, Phase::Evaluation);
	});
}

#[test]
fn revealed_models_must_decode_and_fit_the_task() {
	ExtBuilder.build_and_execute(|| {
		let mut small = terms();
		small.max_model_cost = 1_000;
		let id = open_with(small);
		let garbage = vec![9u8; 100];
		let a = submit(2, id, &garbage);
		let b = submit(3, id, DIGITS);
		assert_noop!(try_reveal_model(2, id, a, &garbage), E::WrongPhase);
		end_phase(id);
		assert_noop!(try_reveal_model(2, id, a, &garbage), E::BlobNotFound);
		note_model(2, &garbage);
		assert_noop!(try_reveal_model(2, id, a, &garbage), E::InvalidModel);
		// The digits model costs 4,096 > max_model_cost 1,000.
		note_model(3, DIGITS);
		assert_noop!(try_reveal_model(3, id, b, DIGITS), E::ModelDoesNotFit);
	});
}

#[test]
fn test_chunks_must_be_datasets_of_the_task() {
	ExtBuilder.build_and_execute(|| {
		let mut wrong_classes = terms();
		wrong_classes.output = OutputShape::Classes(5);
		let id = open_with(wrong_classes);
		submit(2, id, DIGITS);
		end_phase(id);
		let test = TestSet::<Test>::get(id).unwrap()[0];
		// Digit labels go up to 9: not a dataset of a 5-class task.
		note_chunk(test);
		assert_noop!(try_reveal_chunk(id, test), E::InvalidDataset);
		let blob = chunks()[test as usize].encode_blob();
		let uri = Some(BoundedVec::truncate_from(b"http://x".to_vec()));
		assert_noop!(
			MlBounties::reveal_chunk(origin(REQUESTER), id, test, hash_of(&blob), chunk_salt(test), uri),
			E::ChunkNotRevealable
		);
	});
}

#[test]
fn a_requester_that_hides_the_test_set_pays_the_trainers_who_revealed() {
	ExtBuilder.build_and_execute(|| {
		let before = total(REQUESTER);
		let id = open();
		let a = submit(2, id, DIGITS);
		submit(3, id, DIGITS);
		let c = submit(4, id, &weak_model());
		end_phase(id);
		assert_ok!(reveal_model(2, id, a, DIGITS));
		assert_ok!(reveal_model(4, id, c, &weak_model()));
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Cancelled);
		let each = REWARD / 2;
		assert_eq!(total(REQUESTER), before - deposit() - 2 * each);
		assert_eq!(total(2), INITIAL_BALANCE + each);
		assert_eq!(total(4), INITIAL_BALANCE + each);
		assert_eq!(total(3), INITIAL_BALANCE - TRAINER_STAKE, "did not reveal: loses its stake");
		assert_eq!(total(FEE_SINK), deposit() + TRAINER_STAKE);
		assert!(events().contains(&Event::RequesterDefaulted { bounty: id, deposit: deposit(), shared: 2 * each }));
	});
}

#[test]
fn when_no_model_is_revealed_the_requester_gets_everything_back() {
	ExtBuilder.build_and_execute(|| {
		let before = total(REQUESTER);
		let id = open();
		submit(2, id, DIGITS);
		end_phase(id);
		reveal_all(id, &[ChunkRole::Test]);
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Cancelled);
		assert_eq!(total(REQUESTER), before);
		assert_eq!(total(2), INITIAL_BALANCE - TRAINER_STAKE);
	});
}

#[test]
fn evaluators_commit_then_reveal_and_only_they_can() {
	ExtBuilder.build_and_execute(|| {
		let (id, _) = evaluating(&[(2, DIGITS.to_vec())]);
		let good = true_score(id, DIGITS);
		let evaluation = Evaluations::<Test>::get(id).unwrap();
		assert_eq!(evaluation.evaluators.to_vec(), EVALUATORS.to_vec());
		// Regression (anyone overwriting another's claimed score): a stranger, a trainer and
		// a stash signing without its worker key are refused.
		for key in [5, 2, 11] {
			assert_noop!(MlBounties::submit_scores(origin(key), id, ScoreSubmission::Commit([0; 32])), E::NotEvaluator);
		}
		assert_noop!(reveal_scores(11, id, &[good]), E::RevealsNotOpen);
		assert_ok!(commit_scores(11, id, &[good]));
		assert_noop!(commit_scores(11, id, &[good]), E::AlreadyCommitted);
		assert_ok!(commit_scores(12, id, &[good]));
		assert_noop!(reveal_scores(12, id, &[good]), E::RevealsNotOpen);
		assert_ok!(commit_scores(13, id, &[good]));
		// All committed: reveals are open.
		assert_noop!(reveal_scores(11, id, &[good, good]), E::WrongScoreCount);
		assert_noop!(reveal_scores(11, id, &[Some(1)]), E::CommitmentMismatch);
		assert_ok!(reveal_scores(11, id, &[good]));
		assert_noop!(reveal_scores(11, id, &[good]), E::AlreadyRevealed);
		let info = reveal_scores(12, id, &[good]).unwrap();
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No, "accepted scores are free");
		assert_eq!(bounty(id).phase, Phase::Evaluation);
	});
}

#[test]
fn dissenting_and_silent_evaluators_are_reported() {
	ExtBuilder.build_and_execute(|| {
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		let good = true_score(id, DIGITS);
		assert_ok!(commit_scores(11, id, &[good]));
		assert_ok!(commit_scores(12, id, &[Some(1)]));
		// 13 never commits: the commit window passes.
		let commit_deadline = Evaluations::<Test>::get(id).unwrap().commit_deadline;
		run_to_block(commit_deadline + 1);
		assert_noop!(commit_scores(13, id, &[good]), E::CommitsClosed);
		assert_ok!(reveal_scores(11, id, &[good]));
		assert_noop!(reveal_scores(13, id, &[good]), E::NotCommitted);
		// 12 reveals too: everyone who committed has revealed, so the scores are tallied. But
		// only 11 says `good`: no quorum.
		assert_ok!(reveal_scores(12, id, &[Some(1)]));
		assert_eq!(bounty(id).phase, Phase::Scored);
		assert_eq!(Submissions::<Test>::get(id, subs[0]).unwrap().score, Some(ScoreState::Unresolved));
		let offences = Workers::offences();
		assert_eq!(offences.len(), 1);
		assert_eq!((offences[0].0, offences[0].2), (13, OffenceKind::MissedTask));
		assert!(Workers::outcomes().contains(&(13, TaskOutcome::Missed)));
		// The chain computes the score: 12 was wrong, 11 right.
		for position in 0..2 {
			assert_ok!(MlBounties::verify_score(origin(5), id, subs[0], position));
		}
		assert_eq!(Submissions::<Test>::get(id, subs[0]).unwrap().score, Some(ScoreState::Verified(good)));
		let offences = Workers::offences();
		assert_eq!(offences.len(), 2);
		assert_eq!(
			(offences[1].0, offences[1].2, offences[1].3),
			(12, OffenceKind::WrongAnswer, Some(MlBounties::score_task(id, subs[0])))
		);
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Finalized);
		let fee = EVALUATION_FEE / 3;
		assert_eq!(total(11), INITIAL_BALANCE + fee, "the right evaluator is paid");
		assert_eq!(total(12), INITIAL_BALANCE);
		assert_eq!(total(REQUESTER), INITIAL_BALANCE - REWARD - fee);
	});
}

/// The block hook verifies with every block's spare weight, so a caller of `verify_score`
/// often finds the chunk done: a refusal before any blob is read costs the checks, not the
/// worst-case verification the call is weighed for.
#[test]
fn a_verify_with_nothing_to_do_costs_its_checks_not_a_verification() {
	ExtBuilder.build_and_execute(|| {
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		let checks = <Test as Config>::WeightInfo::verify_score(0);
		assert!(checks.ref_time() * 10 < MlBounties::max_verify_weight().ref_time());
		for (bounty, submission, chunk) in [(id, subs[0], 0), (id + 1, 0, 0), (id, 9, 0)] {
			let refused = MlBounties::verify_score(origin(5), bounty, submission, chunk).unwrap_err();
			assert_eq!(refused.post_info.actual_weight, Some(checks), "{:?}", refused.error);
			assert_eq!(refused.post_info.pays_fee, frame_support::dispatch::Pays::Yes);
		}
		let good = true_score(id, DIGITS);
		evaluate(id, [&[good], &[Some(1)], &[Some(2)]]);
		assert_ok!(MlBounties::verify_score(origin(5), id, subs[0], 1));
		let refused = MlBounties::verify_score(origin(5), id, subs[0], 1).unwrap_err();
		assert_eq!(refused.error, E::ChunkAlreadyVerified.into());
		assert_eq!(refused.post_info.actual_weight, Some(checks));
	});
}

#[test]
fn verify_score_checks_its_chunk_and_finalization_waits_for_it() {
	ExtBuilder.build_and_execute(|| {
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		let good = true_score(id, DIGITS);
		assert_noop!(MlBounties::verify_score(origin(5), id, subs[0], 0).map_err(|e| e.error), E::NotVerifying);
		evaluate(id, [&[good], &[Some(1)], &[Some(2)]]);
		assert_noop!(MlBounties::verify_score(origin(5), id, subs[0], 2).map_err(|e| e.error), E::UnknownChunk);
		assert_ok!(MlBounties::verify_score(origin(5), id, subs[0], 1));
		assert_noop!(MlBounties::verify_score(origin(5), id, subs[0], 1).map_err(|e| e.error), E::ChunkAlreadyVerified);
		// The challenge window ends with a score still unknown: finalization waits.
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Scored);
		run_to_block(System::block_number() + 2);
		assert_eq!(bounty(id).phase, Phase::Scored);
		// Enforcing a deadline that only waits is not free: no free call every block.
		run_to_block(bounty(id).deadline);
		System::set_block_number(System::block_number() + 1);
		let info = MlBounties::advance(origin(5), id).unwrap();
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::Yes);
		assert_eq!(bounty(id).phase, Phase::Scored);
		// The block hook finishes it with spare weight.
		let used = idle(Weight::MAX);
		assert!(used.ref_time() > 0);
		assert_eq!(Submissions::<Test>::get(id, subs[0]).unwrap().score, Some(ScoreState::Verified(good)));
		run_to_block(System::block_number() + 1);
		assert_eq!(bounty(id).phase, Phase::Finalized);
		assert_eq!(total(2), INITIAL_BALANCE + REWARD);
	});
}

#[test]
fn an_upheld_challenge_overturns_a_colluding_quorum() {
	ExtBuilder.build_and_execute(|| {
		let weak = weak_model();
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec()), (3, weak.clone())]);
		let (good, bad) = (true_score(id, DIGITS), true_score(id, &weak));
		// 11 and 12 collude: they swap the two scores, so the weak model would win. 13 is honest.
		evaluate(id, [&[bad, good], &[bad, good], &[good, bad]]);
		assert_eq!(Workers::offences().len(), 2, "13 is reported for disagreeing with the quorum on both");
		assert_noop!(MlBounties::challenge_score(origin(5), id, 7), E::UnknownSubmission);
		assert_ok!(MlBounties::challenge_score(origin(5), id, subs[0]));
		assert_noop!(MlBounties::challenge_score(origin(6), id, subs[0]), E::NotChallengeable);
		assert_ok!(MlBounties::challenge_score(origin(6), id, subs[1]));
		assert_eq!(Workers::deposits_held(), vec![5, 6]);
		idle(Weight::MAX);
		for (s, v) in subs.iter().zip([good, bad]) {
			assert_eq!(Submissions::<Test>::get(id, s).unwrap().score, Some(ScoreState::Verified(v)));
		}
		assert_eq!(Workers::deposits_settled(), vec![(5, true), (6, true)]);
		// 13 was right: cleared on both; 11 and 12 reported with the challengers as reporters.
		assert_eq!(Workers::cancelled().len(), 2);
		assert!(Workers::cancelled().iter().all(|(w, k, _)| *w == 13 && *k == OffenceKind::WrongAnswer));
		let reported: Vec<_> =
			Workers::offences().into_iter().filter(|o| o.4.is_some()).map(|o| (o.0, o.4.unwrap())).collect();
		assert_eq!(reported, vec![(11, 5), (12, 5), (11, 6), (12, 6)]);
		end_phase(id);
		assert_eq!(total(2), INITIAL_BALANCE + REWARD, "the better model wins after all");
		let fee = EVALUATION_FEE / 3;
		assert_eq!(total(13), INITIAL_BALANCE + fee, "only the honest evaluator is paid");
		assert_eq!(total(11), INITIAL_BALANCE);
	});
}

#[test]
fn a_rejected_challenge_loses_its_deposit_and_the_window_closes() {
	ExtBuilder.build_and_execute(|| {
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		let good = true_score(id, DIGITS);
		assert_noop!(MlBounties::challenge_score(origin(5), id, subs[0]), E::NotChallengeable);
		evaluate(id, [&[good], &[good], &[good]]);
		Workers::set_deposit_error(Some(DispatchError::Other("poor")));
		assert_noop!(MlBounties::challenge_score(origin(5), id, subs[0]), E::CannotPayChallengeDeposit);
		Workers::set_deposit_error(None);
		assert_ok!(MlBounties::challenge_score(origin(5), id, subs[0]));
		for position in 0..2 {
			assert_ok!(MlBounties::verify_score(origin(5), id, subs[0], position));
		}
		assert_eq!(Workers::deposits_settled(), vec![(5, false)]);
		assert!(Workers::offences().is_empty());
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Finalized);
		assert_noop!(MlBounties::challenge_score(origin(5), id, subs[0]), E::NotChallengeable);
	});
}

#[test]
fn ties_go_to_the_earliest_commitment() {
	ExtBuilder.build_and_execute(|| {
		let id = open();
		run_to_block(System::block_number() + 1);
		let early = submit(3, id, DIGITS);
		run_to_block(System::block_number() + 1);
		let late = submit(2, id, DIGITS);
		end_phase(id);
		reveal_all(id, &[ChunkRole::Test]);
		assert_ok!(reveal_model(3, id, early, DIGITS));
		assert_ok!(reveal_model(2, id, late, DIGITS));
		end_phase(id);
		let good = true_score(id, DIGITS);
		evaluate(id, [&[good, good], &[good, good], &[good, good]]);
		end_phase(id);
		assert_eq!(total(3), INITIAL_BALANCE + REWARD);
		assert_eq!(total(2), INITIAL_BALANCE);
	});
}

#[test]
fn top_n_shares_and_unqualified_models() {
	ExtBuilder.build_and_execute(|| {
		let mut t = terms();
		t.min_score = 0;
		t.payout = Payout::TopN(BoundedVec::truncate_from(vec![Perbill::from_percent(70), Perbill::from_percent(30)]));
		let id = open_with(t);
		let weak = weak_model();
		let a = submit(2, id, &weak);
		let b = submit(3, id, DIGITS);
		end_phase(id);
		reveal_all(id, &[ChunkRole::Test]);
		assert_ok!(reveal_model(2, id, a, &weak));
		assert_ok!(reveal_model(3, id, b, DIGITS));
		end_phase(id);
		let row = [true_score(id, &weak), true_score(id, DIGITS)];
		evaluate(id, [&row, &row, &row]);
		end_phase(id);
		assert_eq!(total(3), INITIAL_BALANCE + REWARD * 7 / 10);
		assert_eq!(total(2), INITIAL_BALANCE + REWARD * 3 / 10);
	});
}

#[test]
fn with_no_qualifying_model_the_requester_keeps_the_reward() {
	ExtBuilder.build_and_execute(|| {
		let weak = weak_model();
		let (id, _) = evaluating(&[(2, weak.clone())]);
		let row = [true_score(id, &weak)];
		evaluate(id, [&row, &row, &row]);
		end_phase(id);
		let fee = EVALUATION_FEE / 3;
		assert_eq!(total(REQUESTER), INITIAL_BALANCE - 3 * fee);
		assert_eq!(total(2), INITIAL_BALANCE, "an honest trainer's stake comes back");
		assert!(events().contains(&Event::BountyFinalized { bounty: id, winners: vec![], refunded: REWARD }));
	});
}

#[test]
fn evaluators_are_never_trainers_or_the_requester_and_without_workers_the_chain_scores() {
	ExtBuilder.build_and_execute(|| {
		// Trainer 2 and the requester are workers too, first in the draw order.
		Workers::set_workers(&[(2, STAKE), (REQUESTER, STAKE), (11, STAKE), (12, STAKE), (13, STAKE)]);
		for w in EVALUATORS {
			Workers::set_key(&w, &(w + 10));
		}
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		assert_eq!(Evaluations::<Test>::get(id).unwrap().evaluators.to_vec(), EVALUATORS.to_vec());

		// A second bounty whose only workers are its own trainer and requester: the draw
		// retries, then leaves every score to the chain.
		let second = open();
		let s = submit(3, second, DIGITS);
		Workers::set_workers(&[(3, STAKE), (REQUESTER, STAKE)]);
		end_phase(second);
		reveal_all(second, &[ChunkRole::Test]);
		assert_ok!(reveal_model(3, second, s, DIGITS));
		end_phase(second);
		assert_eq!(bounty(second).phase, Phase::Drawing);
		run_to_block(System::block_number() + SCORE_WINDOW);
		assert_eq!(bounty(second).phase, Phase::Scored);
		assert_eq!(Submissions::<Test>::get(second, s).unwrap().score, Some(ScoreState::Unresolved));
		idle(Weight::MAX);
		assert_eq!(
			Submissions::<Test>::get(second, s).unwrap().score,
			Some(ScoreState::Verified(true_score(second, DIGITS)))
		);
		end_phase(second);
		assert_eq!(bounty(second).phase, Phase::Finalized);
		assert_eq!(total(3), INITIAL_BALANCE + REWARD);
		let _ = subs;
	});
}

#[test]
fn deadlines_can_be_enforced_by_anyone_and_later_blocks_catch_up() {
	ExtBuilder.build_and_execute(|| {
		// Five splits due in block 2, the hook handles four a block (MaxDeadlinesPerBlock).
		let ids: Vec<_> = (0..5).map(|_| create_with(terms())).collect();
		assert_noop!(MlBounties::advance(origin(5), ids[0]), E::DeadlineNotReached);
		run_to_block(2);
		let late: Vec<_> = ids.iter().copied().filter(|i| bounty(*i).phase == Phase::Split).collect();
		assert_eq!(late.len(), 1);
		// Regression (a timeout only the contract could trigger): anyone enforces it, for free.
		let info = MlBounties::advance(origin(5), late[0]).unwrap();
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
		assert_eq!(bounty(late[0]).phase, Phase::Data);
		assert_noop!(MlBounties::advance(origin(5), late[0]), E::DeadlineNotReached);
		assert_noop!(MlBounties::advance(origin(5), 9), E::UnknownBounty);
		// The next block's hook skips the entry `advance` made stale.
		run_to_block(3);
		assert!(ids.iter().all(|i| bounty(*i).phase == Phase::Data));
		assert_eq!(bounty(late[0]).deadline, 2 + PERIOD);
	});
}

#[test]
fn evaluation_scores_only_the_test_set() {
	// Regression (evaluation falling back to training data): the chain's score is computed
	// over the test chunks only; a model scored on any other chunk set would differ here.
	ExtBuilder.build_and_execute(|| {
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		let test = TestSet::<Test>::get(id).unwrap();
		assert!(test.iter().all(|c| role(id, *c) == ChunkRole::Test));
		evaluate(id, [&[Some(1)], &[Some(2)], &[Some(3)]]);
		idle(Weight::MAX);
		assert_eq!(
			Submissions::<Test>::get(id, subs[0]).unwrap().score,
			Some(ScoreState::Verified(true_score(id, DIGITS)))
		);
	});
}

#[test]
fn the_winner_is_listed_for_predictions_in_the_payout_step() {
	ExtBuilder.build_and_execute(|| {
		use modelchain_primitives::models::ModelRegistry;
		let id = open();
		let weak = weak_model();
		let a = submit(2, id, &weak);
		let b = submit(3, id, DIGITS);
		end_phase(id);
		reveal_all(id, &[ChunkRole::Test]);
		for (t, index, blob) in [(2, a, weak.clone()), (3, b, DIGITS.to_vec())] {
			note_model(t, &blob);
			assert_ok!(MlBounties::reveal_model(origin(t), id, index, hash_of(&blob), salt_of(t), Some(42)));
		}
		end_phase(id);
		let row = [true_score(id, &weak), true_score(id, DIGITS)];
		evaluate(id, [&row, &row, &row]);
		end_phase(id);
		assert!(events().contains(&Event::WinnerListed { bounty: id, submission: b, model: 0 }));
		let listed = Models::model(0).expect("the winner is registered");
		assert_eq!((listed.owner, listed.fee, listed.blob_hash), (3, 42, hash_of(DIGITS)));
		assert!(Models::model(1).is_none(), "only the winner is listed");

		// A winner whose registration fails is still paid; the failure is announced.
		let second = open();
		let s = submit(4, second, DIGITS);
		end_phase(second);
		reveal_all(second, &[ChunkRole::Test]);
		Models::reset();
		assert_ok!(MlBounties::reveal_model(origin(4), second, s, hash_of(DIGITS), salt_of(4), Some(7)));
		end_phase(second);
		let row = [true_score(second, DIGITS)];
		evaluate(second, [&row, &row, &row]);
		end_phase(second);
		assert!(events().iter().any(|e| matches!(e, Event::WinnerNotListed { bounty: 1, .. })));
		assert_eq!(total(4), INITIAL_BALANCE + REWARD);
	});
}

#[test]
fn evaluation_parameters_are_set_by_root_and_used_by_new_draws() {
	ExtBuilder.build_and_execute(|| {
		let p = |evaluators, quorum| EvaluationParameters { evaluators, quorum };
		assert_noop!(MlBounties::set_evaluation_parameters(origin(1), p(1, 1)), DispatchError::BadOrigin);
		for bad in [p(2, 1), p(3, 1), p(0, 0), p(6, 4), p(1, 2)] {
			assert_noop!(MlBounties::set_evaluation_parameters(RuntimeOrigin::root(), bad), E::InvalidParameters);
		}
		// One evaluator, quorum one (the dev chain): its scores are final.
		assert_ok!(MlBounties::set_evaluation_parameters(RuntimeOrigin::root(), p(1, 1)));
		assert!(events().contains(&Event::EvaluationParametersSet { parameters: p(1, 1) }));
		let (id, subs) = evaluating(&[(2, DIGITS.to_vec())]);
		let evaluation = Evaluations::<Test>::get(id).unwrap();
		assert_eq!((evaluation.evaluators.to_vec(), evaluation.quorum), (vec![11], 1));
		let good = [true_score(id, DIGITS)];
		assert_ok!(commit_scores(11, id, &good));
		assert_ok!(reveal_scores(11, id, &good));
		assert_eq!(Submissions::<Test>::get(id, subs[0]).unwrap().score, Some(ScoreState::Quorum(good[0])));
		end_phase(id);
		assert_eq!(total(11), INITIAL_BALANCE + EVALUATION_FEE, "a lone evaluator earns the whole fee");

		// Unset: nobody is drawn, the chain scores every model.
		crate::EvaluationParams::<Test>::kill();
		let (id, subs) = {
			let id = open();
			let s = submit(3, id, DIGITS);
			end_phase(id);
			reveal_all(id, &[ChunkRole::Test]);
			assert_ok!(reveal_model(3, id, s, DIGITS));
			end_phase(id);
			(id, vec![s])
		};
		assert_eq!(bounty(id).phase, Phase::Scored);
		assert_eq!(Submissions::<Test>::get(id, subs[0]).unwrap().score, Some(ScoreState::Unresolved));
		idle(Weight::MAX);
		end_phase(id);
		assert_eq!(bounty(id).phase, Phase::Finalized);
		assert_eq!(total(REQUESTER), INITIAL_BALANCE - 2 * REWARD - EVALUATION_FEE);
	});
}

mod pool {
	//! `CheckScoreSubmissions`: only a score submission dispatch would accept enters the pool,
	//! at `ScorePriority`, one per evaluator, bounty and step.
	use super::*;
	use frame_support::{dispatch::DispatchInfo, pallet_prelude::TransactionSource};
	use polkadot_sdk::sp_runtime::{
		traits::DispatchTransaction,
		transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
		ModuleError,
	};

	fn validate(key: AccountId, call: RuntimeCall) -> Result<ValidTransaction, TransactionValidityError> {
		CheckScoreSubmissions::<Test>::new()
			.validate_only(origin(key), &call, &DispatchInfo::default(), 0, TransactionSource::External, 0)
			.map(|(valid, _, _)| valid)
	}

	fn commit_call(w: AccountId, id: BountyId, values: &[ScoreValue]) -> RuntimeCall {
		let c = scores_commitment(id, &w, values, &score_salt(w));
		RuntimeCall::MlBounties(Call::submit_scores { bounty: id, submission: ScoreSubmission::Commit(c) })
	}

	fn reveal_call(w: AccountId, id: BountyId, values: &[ScoreValue]) -> RuntimeCall {
		let submission = ScoreSubmission::Reveal(scores(values), score_salt(w));
		RuntimeCall::MlBounties(Call::submit_scores { bounty: id, submission })
	}

	/// The rejection a submission gets when dispatch would fail with `e`: the pallet error's
	/// index, as clients decode it from the metadata.
	fn rejected(e: E) -> Result<ValidTransaction, TransactionValidityError> {
		let DispatchError::Module(ModuleError { error, .. }) = DispatchError::from(e) else { unreachable!() };
		Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(error[0])))
	}

	#[test]
	fn only_acceptable_score_submissions_enter_the_pool() {
		ExtBuilder.build_and_execute(|| {
			let (id, _) = evaluating(&[(2, DIGITS.to_vec())]);
			let good = [true_score(id, DIGITS)];
			let deadline = Evaluations::<Test>::get(id).unwrap().commit_deadline;
			let now = System::block_number();

			let valid = validate(21, commit_call(11, id, &good)).unwrap();
			assert_eq!(valid.provides, vec![extension::score_tag(&11u64, id, 0)]);
			assert_eq!(valid.priority, 1 << 20);
			assert_eq!(valid.longevity, deadline - now + 1);

			// A stash that is not the key, a key of nobody drawn, another bounty, a reveal
			// before its time: rejected in the pool, so nobody pays for them.
			assert_eq!(validate(11, commit_call(11, id, &good)), rejected(E::NotEvaluator));
			assert_eq!(validate(5, commit_call(11, id, &good)), rejected(E::NotEvaluator));
			assert_eq!(validate(21, commit_call(11, id + 1, &good)), rejected(E::UnknownBounty));
			assert_eq!(validate(21, reveal_call(11, id, &good)), rejected(E::RevealsNotOpen));

			// Committed: a second commitment cannot enter.
			assert_ok!(commit_scores(11, id, &good));
			assert_eq!(validate(21, commit_call(11, id, &good)), rejected(E::AlreadyCommitted));
			assert_ok!(commit_scores(12, id, &good));
			assert_ok!(commit_scores(13, id, &good));

			// Reveals open: a reveal that does not match, or of the wrong length, is rejected;
			// the right one lives until the reveal deadline.
			assert_eq!(validate(21, reveal_call(11, id, &[Some(1)])), rejected(E::CommitmentMismatch));
			assert_eq!(validate(21, reveal_call(11, id, &[good[0], good[0]])), rejected(E::WrongScoreCount));
			let valid = validate(21, reveal_call(11, id, &good)).unwrap();
			assert_eq!(valid.provides, vec![extension::score_tag(&11u64, id, 1)]);
			assert_eq!(valid.longevity, bounty(id).deadline - now + 1);
			assert_ok!(reveal_scores(11, id, &good));
			assert_eq!(validate(21, reveal_call(11, id, &good)), rejected(E::AlreadyRevealed));

			// Every other call passes untouched (its own checks apply at dispatch).
			let other = RuntimeCall::MlBounties(Call::advance { bounty: id });
			assert_eq!(validate(5, other), Ok(ValidTransaction::default()));
		});
	}
}

mod offchain_worker {
	//! The evaluators' off-chain worker, run with `TestOffchainExt`, `TestTransactionPoolExt`
	//! and test keys (`UintAuthorityId`, the worker keys 21, 22, 23 of stashes 11, 12, 13).
	use super::*;
	use codec::Decode;
	use frame_support::traits::Hooks;
	use polkadot_sdk::{
		sp_core::offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
		sp_runtime::{generic::Preamble, testing::UintAuthorityId},
	};

	/// Takes the transactions out of a test node's pool.
	type Pool = Box<dyn Fn() -> Vec<Vec<u8>>>;

	/// A node holding the worker keys `keys`.
	fn node(keys: &[u64]) -> (polkadot_sdk::sp_io::TestExternalities, Pool) {
		let (offchain, _state) = testing::TestOffchainExt::new();
		let (pool, pool_state) = testing::TestTransactionPoolExt::new();
		let mut ext = ExtBuilder.build();
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		UintAuthorityId::set_all_keys(keys.iter().copied());
		(ext, Box::new(move || std::mem::take(&mut pool_state.write().transactions)))
	}

	/// Takes the node's pooled transactions: `(signer, bounty, submission)`.
	fn take(pool: &Pool) -> Vec<(AccountId, BountyId, ScoreSubmission<<Test as Config>::MaxSubmissions>)> {
		pool()
			.into_iter()
			.map(|tx| {
				let xt = Extrinsic::decode(&mut &tx[..]).unwrap();
				let Preamble::Signed(signer, ..) = xt.preamble else { panic!("signed") };
				let RuntimeCall::MlBounties(Call::submit_scores { bounty, submission }) = xt.function else {
					panic!("submit_scores")
				};
				(signer, bounty, submission)
			})
			.collect()
	}

	/// Dispatches pooled score submissions as their signers.
	fn include(txs: Vec<(AccountId, BountyId, ScoreSubmission<<Test as Config>::MaxSubmissions>)>) {
		for (signer, bounty, submission) in txs {
			assert_ok!(MlBounties::submit_scores(origin(signer), bounty, submission));
		}
	}

	/// One block: the hooks, then the off-chain worker.
	fn block() {
		run_to_block(System::block_number() + 1);
		MlBounties::offchain_worker(System::block_number());
	}

	#[test]
	fn an_evaluator_scores_commits_and_reveals_what_the_chain_would_compute() {
		let (mut ext, pool) = node(&[21, 22, 23]);
		ext.execute_with(|| {
			let weak = weak_model();
			let (id, subs) = evaluating(&[(2, DIGITS.to_vec()), (3, weak.clone())]);
			let expected = vec![true_score(id, DIGITS), true_score(id, &weak)];
			// Running the worker twice in one block sends nothing twice.
			MlBounties::offchain_worker(System::block_number());
			MlBounties::offchain_worker(System::block_number());
			let commits = take(&pool);
			assert_eq!(commits.len(), 3, "one commitment per evaluator key");
			for (signer, bounty, submission) in &commits {
				let stash = signer - 10;
				assert_eq!(*bounty, id);
				let ScoreSubmission::Commit(c) = submission else { panic!("a commitment first") };
				let progress = MlBounties::progress(&stash, id, 2);
				let (scores, salt) = progress.scores.clone().unwrap();
				assert_eq!(scores, expected, "the off-chain scores equal the engine's");
				assert_eq!(*c, scores_commitment(id, &stash, &scores, &salt));
			}
			include(commits);
			block();
			let reveals = take(&pool);
			assert_eq!(reveals.len(), 3);
			assert!(reveals
				.iter()
				.all(|(_, _, s)| matches!(s, ScoreSubmission::Reveal(v, _) if v.to_vec() == expected)));
			include(reveals);
			assert_eq!(bounty(id).phase, Phase::Scored);
			for (s, v) in subs.iter().zip(&expected) {
				assert_eq!(Submissions::<Test>::get(id, s).unwrap().score, Some(ScoreState::Quorum(*v)));
			}
			block();
			assert!(take(&pool).is_empty(), "nothing left to send");
		});
	}

	#[test]
	fn scoring_spreads_over_blocks_within_the_budget() {
		let (mut ext, pool) = node(&[21]);
		ext.execute_with(|| {
			// One step (a model on a 60-sample chunk) costs 4,096 × 60 plus the blobs, about
			// 250,000: one step a block, four in all (two models, two test chunks).
			OffchainEvalBudget::set(320_000);
			let weak = weak_model();
			let (id, _) = evaluating(&[(2, DIGITS.to_vec()), (3, weak.clone())]);
			let commit_deadline = Evaluations::<Test>::get(id).unwrap().commit_deadline;
			let start = System::block_number();
			for step in [(0, 1), (1, 0), (1, 1)] {
				MlBounties::offchain_worker(System::block_number());
				assert!(take(&pool).is_empty(), "still scoring");
				assert_eq!(MlBounties::progress(&11, id, 2).next, step);
				System::set_block_number(System::block_number() + 1);
			}
			MlBounties::offchain_worker(System::block_number());
			assert_eq!(take(&pool).len(), 1, "the commitment, after the fourth step");
			let progress = MlBounties::progress(&11, id, 2);
			assert_eq!(progress.scores.unwrap().0, vec![true_score(id, DIGITS), true_score(id, &weak)]);
			assert!(System::block_number() <= commit_deadline, "in time: {start}..{commit_deadline}");
		});
	}

	#[test]
	fn a_commitment_not_included_is_sent_again_and_nothing_is_sent_too_late() {
		let (mut ext, pool) = node(&[21]);
		ext.execute_with(|| {
			let (id, _) = evaluating(&[(2, DIGITS.to_vec())]);
			MlBounties::offchain_worker(System::block_number());
			assert_eq!(take(&pool).len(), 1);
			// Dropped from the pool: resent after RESEND_AFTER blocks.
			block();
			assert!(take(&pool).is_empty());
			block();
			assert_eq!(take(&pool).len(), 1);
			// Past the commit deadline without its commitment on chain: nothing more to send.
			let commit_deadline = Evaluations::<Test>::get(id).unwrap().commit_deadline;
			run_to_block(commit_deadline);
			MlBounties::offchain_worker(System::block_number());
			assert!(take(&pool).is_empty());
		});
	}
}
