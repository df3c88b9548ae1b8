// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
	traits::{
		fungible::{Inspect, InspectHold, Mutate},
		Get, Hooks,
	},
	BoundedVec,
};
use modelchain_primitives::traits::{OffenceKind, TaskOutcome, TaskRef};
use polkadot_sdk::{
	frame_support,
	sp_runtime::{DispatchError, Perbill},
};

type P = Prediction<<Test as Config>::MaxOutputLen>;

/// A digits image: pixel values 0..=16, quantized as `pixel - 128`.
fn input() -> Vec<i8> {
	(0..64u32).map(|i| (((i * 37 + 5) % 17) as i16 - 128) as i8).collect()
}

/// What the engine computes natively for `input()`.
fn expected() -> P {
	let model = modelchain_nn::Model::decode_blob(FIXTURE, &modelchain_nn::Bounds::default()).unwrap();
	P::from_output(model.run(&input()).unwrap()).unwrap()
}

fn wrong() -> P {
	match expected() {
		Prediction::Class(c) => Prediction::Class((c + 1) % 10),
		_ => unreachable!("the digits model is a classifier"),
	}
}

const FEE: Balance = MODEL_FEE + 3 * WORKER_FEE;
/// The storage deposit of a request with the digits model's 64 inputs.
const DEPOSIT: Balance = REQUEST_DEPOSIT + 64;
/// What a failed request of three workers does not refund: half the worker fees.
const KEPT: Balance = 3 * WORKER_FEE / 2;

/// `MaxAnswersPerSubmission` of the test runtime.
fn max_answers() -> u32 {
	<<Test as Config>::MaxAnswersPerSubmission as Get<u32>>::get()
}

/// A request by `requester()`, not yet drawn.
fn request_undrawn() -> RequestId {
	let id = NextRequestId::<Test>::get();
	assert_ok!(request_once());
	id
}

/// A request by `requester()` of the digits model at the exact fee.
fn request_once() -> Post {
	Predictions::request_prediction(RuntimeOrigin::signed(requester()), 0, input().try_into().unwrap(), FEE)
}

/// A request by `requester()`, drawn in the next block (where the test continues).
fn request() -> RequestId {
	let id = request_undrawn();
	run_to_block(System::block_number() + 1);
	id
}

type Post = frame_support::dispatch::DispatchResultWithPostInfo;
type S = Submission<<Test as Config>::MaxOutputLen>;

/// `worker` submits `entries`, signed by its worker key as its off-chain worker would.
fn submit(worker: &AccountId, entries: Vec<(RequestId, S)>) -> Post {
	Predictions::submit_predictions(RuntimeOrigin::signed(key_of(worker)), entries.try_into().unwrap())
}

/// `worker` answers directly (quorum 1).
fn answer(worker: &AccountId, id: RequestId, p: P) -> Post {
	submit(worker, vec![(id, Submission::Answer(p))])
}

/// The salt `worker` commits with in these tests.
fn salt(worker: &AccountId) -> [u8; 32] {
	polkadot_sdk::sp_io::hashing::blake2_256(&codec::Encode::encode(worker))
}

/// `worker` commits to `p` (quorum 2 or more).
fn commit(worker: &AccountId, id: RequestId, p: P) -> Post {
	submit(worker, vec![(id, Submission::Commit(commitment(id, worker, &p, &salt(worker))))])
}

/// `worker` reveals `p` with its salt.
fn reveal(worker: &AccountId, id: RequestId, p: P) -> Post {
	submit(worker, vec![(id, Submission::Reveal(p, salt(worker)))])
}

/// Every listed worker commits; reveals open (at once if every assigned worker is listed,
/// else after the commit window); they reveal in order until the request settles.
fn commit_and_reveal(id: RequestId, answers: &[(AccountId, P)]) {
	for (w, p) in answers {
		assert_ok!(commit(w, id, p.clone()));
	}
	let req = Requests::<Test>::get(id).unwrap();
	if !req.reveals_open(System::block_number()) {
		run_to_block(req.commit_deadline.unwrap() + 1);
	}
	for (w, p) in answers {
		if Requests::<Test>::contains_key(id) {
			assert_ok!(reveal(w, id, p.clone()));
		}
	}
}

/// The offence reports: offender, severity, kind, task, reporter.
type Report = (AccountId, Perbill, OffenceKind, Option<TaskRef>, Option<AccountId>);

fn reported() -> Vec<Report> {
	Workers::offences()
}

fn in_request(id: RequestId) -> Option<TaskRef> {
	Some(Predictions::task(id))
}

fn balance(who: &AccountId) -> Balance {
	Balances::total_balance(who)
}

#[test]
fn request_holds_the_fee_and_the_next_block_assigns_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request_undrawn();
		assert_eq!(id, 0);
		assert_eq!(Predictions::held_for(&requester()), FEE);
		assert_eq!(Balances::free_balance(requester()), INITIAL_BALANCE - FEE - DEPOSIT);
		let deposit_reason = HoldReason::StorageDeposit.into();
		assert_eq!(Balances::balance_on_hold(&deposit_reason, &requester()), DEPOSIT);
		let req = Requests::<Test>::get(id).unwrap();
		assert_eq!((req.model_fee, req.worker_fee, req.held, req.quorum), (MODEL_FEE, WORKER_FEE, FEE, 2));
		assert_eq!((req.redundancy, req.requested_at, req.deadline), (3, 1, None));
		// Nobody is assigned in the request's own block: the draw needs randomness that does
		// not exist yet.
		assert!(req.workers.is_empty());
		assert_eq!(Assignments::<Test>::iter().count(), 0);
		assert!(Workers::seeds().is_empty());
		assert_eq!(
			events(),
			vec![Event::PredictionRequested { request: 0, requester: requester(), model: 0, fee: FEE }]
		);
		assert_eq!(NextRequestId::<Test>::get(), 1);
		assert_eq!(NetworkLoad::<Test>::get().seats, 3);

		run_to_block(2);
		let req = Requests::<Test>::get(id).unwrap();
		assert_eq!(req.workers.to_vec(), workers().to_vec());
		assert_eq!(req.deadline, Some(2 + ANSWER_WINDOW));
		for w in workers() {
			assert!(Assignments::<Test>::contains_key(&w, id));
			assert_eq!(Predictions::assignments(w.clone()), vec![id]);
			assert_eq!(WorkerLoad::<Test>::get(&w), Load { seats: 1, cost: req.cost });
		}
		// The seed comes from block 2's randomness.
		assert_eq!(Workers::seeds(), vec![Predictions::draw_seed(0).0]);
		assert!(events().contains(&Event::WorkersAssigned {
			request: 0,
			workers: workers().to_vec(),
			deadline: 2 + ANSWER_WINDOW
		}));
	});
}

/// Attack: the seed was `hash(parent hash, request id)`, both known before submitting, so a
/// requester could compute its draw and pad ids until its own workers held the quorum. Now
/// the seed comes from randomness determined after the request's block: the same request
/// drawn under different randomness gets a different seed, and no seed exists at
/// submission.
#[test]
fn the_draw_seed_does_not_exist_when_the_request_is_submitted() {
	let seed_under = |randomness: u8| {
		let mut seeds = Vec::new();
		ExtBuilder::default().build_and_execute(|| {
			request_undrawn();
			// Whatever the requester could read now is fixed; the next block's randomness is not.
			set_randomness([randomness; 32]);
			run_to_block(2);
			seeds = Workers::seeds();
		});
		seeds
	};
	let (a, b) = (seed_under(1), seed_under(2));
	assert_eq!((a.len(), b.len()), (1, 1));
	assert_ne!(a, b, "the seed depends on randomness that came after the request");
}

/// Randomness known since the request's block or earlier is not used: the draw waits for a
/// fresher output, and refunds the request if none comes within an answer window.
#[test]
fn a_stale_randomness_source_delays_the_draw_then_refunds() {
	ExtBuilder::default().build_and_execute(|| {
		FreezeRandomness::set(Some(1));
		let id = request_undrawn();
		run_to_block(2);
		assert!(Requests::<Test>::get(id).unwrap().workers.is_empty());
		assert!(Workers::seeds().is_empty());
		run_to_block(2 + ANSWER_WINDOW + 1);
		assert!(!Requests::<Test>::contains_key(id));
		assert_eq!(balance(&requester()), INITIAL_BALANCE);
		assert!(events().contains(&Event::DrawFailed { request: id }));
		assert_eq!(NetworkLoad::<Test>::get(), Load::default());
		assert!(Workers::offences().is_empty());
	});
}

#[test]
fn request_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let origin = || RuntimeOrigin::signed(requester());
		let good: BoundedVec<i8, _> = input().try_into().unwrap();
		assert_noop!(Predictions::request_prediction(origin(), 7, good.clone(), FEE), Error::<Test>::UnknownModel);
		let short: BoundedVec<i8, _> = input()[..63].to_vec().try_into().unwrap();
		assert_noop!(Predictions::request_prediction(origin(), 0, short, FEE), Error::<Test>::WrongInputLength);
		assert_noop!(Predictions::request_prediction(origin(), 0, good.clone(), FEE - 1), Error::<Test>::FeeAboveMax);
		// An account with almost nothing.
		assert_noop!(
			Predictions::request_prediction(RuntimeOrigin::signed(acc(99)), 0, good.clone(), FEE),
			Error::<Test>::InsufficientBalance
		);
		// One that can pay the fee but not the storage deposit.
		assert_ok!(Balances::mint_into(&acc(98), FEE + DEPOSIT / 2));
		assert_noop!(
			Predictions::request_prediction(RuntimeOrigin::signed(acc(98)), 0, good.clone(), FEE),
			Error::<Test>::CannotPayDeposit
		);
		Workers::chill(&workers()[0]);
		assert_noop!(Predictions::request_prediction(origin(), 0, good.clone(), FEE), Error::<Test>::NotEnoughWorkers);
		Params::<Test>::kill();
		assert_noop!(Predictions::request_prediction(origin(), 0, good, FEE), Error::<Test>::NoParameters);
	});
}

/// `inputs` digits inputs, requested by `who` in one `request_predictions`.
fn request_batch(who: AccountId, inputs: Vec<Vec<i8>>) -> Post {
	let inputs: Vec<BoundedVec<i8, _>> = inputs.into_iter().map(|i| i.try_into().unwrap()).collect();
	Predictions::request_predictions(RuntimeOrigin::signed(who), 0, inputs.try_into().unwrap(), FEE)
}

/// A batch leaves exactly the state (storage, events, model uses, draws) of the same requests
/// made one by one: same ids, fees, deposits, load and draw queue, drawn alike in the next
/// block; it is only cheaper.
#[test]
fn a_batch_makes_the_same_requests_as_single_calls() {
	let inputs: Vec<Vec<i8>> = (0..3i8).map(|k| input().into_iter().map(|v| v.wrapping_add(k)).collect()).collect();
	let run = |batch: bool| {
		let mut state = None;
		ExtBuilder::default().build_and_execute(|| {
			if batch {
				let post = request_batch(requester(), inputs.clone()).unwrap();
				assert_eq!(post.actual_weight, Some(<() as WeightInfo>::request_predictions(3, 64)));
			} else {
				for i in &inputs {
					assert_ok!(Predictions::request_prediction(
						RuntimeOrigin::signed(requester()),
						0,
						i.clone().try_into().unwrap(),
						FEE
					));
				}
			}
			// The pallet's events are compared; the balances pallet's differ (one hold of three
			// fees, or three holds of one) and are left out of the state roots.
			let root = || {
				System::reset_events();
				polkadot_sdk::sp_io::storage::root(polkadot_sdk::sp_runtime::StateVersion::V1)
			};
			let requested = events();
			let made = (root(), requested);
			run_to_block(2);
			let assigned = events();
			let drawn = (root(), assigned);
			state = Some((
				made,
				drawn,
				<Models as modelchain_primitives::models::ModelRegistry<AccountId>>::users(0),
				Workers::seeds(),
			));
		});
		state.unwrap()
	};
	let (batch, singles) = (run(true), run(false));
	assert_eq!(batch, singles);
	let ((_, events), (_, drawn), users, seeds) = batch;
	assert_eq!(drawn.iter().filter(|e| matches!(e, Event::WorkersAssigned { .. })).count(), 3);
	assert_eq!(
		events,
		(0..3)
			.map(|request| Event::PredictionRequested { request, requester: requester(), model: 0, fee: FEE })
			.collect::<Vec<_>>()
	);
	assert_eq!((users, seeds.len()), (3, 3));
}

#[test]
fn a_batch_holds_a_fee_and_a_deposit_per_request() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(request_batch(requester(), vec![input(); 3]));
		assert_eq!(NextRequestId::<Test>::get(), 3);
		assert_eq!(Predictions::held_for(&requester()), 3 * FEE);
		assert_eq!(Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &requester()), 3 * DEPOSIT);
		assert_eq!(NetworkLoad::<Test>::get().seats, 9);
		assert_eq!(DrawQueueBounds::<Test>::get().tail, 3);
		for id in 0..3 {
			let req = Requests::<Test>::get(id).unwrap();
			assert_eq!((req.held, req.deposit, req.requester), (FEE, DEPOSIT, requester()));
		}
	});
}

/// Attack: a batch that the network, the block or the requester's balance can only partly
/// take must not slip its tail past the checks one request at a time would make, nor leave
/// part of it behind. All or nothing, with the error a single request would get.
#[test]
fn a_batch_is_all_or_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let mut short = vec![input(), input()];
		short.push(input()[..63].to_vec());
		assert_noop!(request_batch(requester(), short), Error::<Test>::WrongInputLength);
		assert_noop!(request_batch(requester(), vec![]), Error::<Test>::NoInputs);
		let inputs: BoundedVec<BoundedVec<i8, _>, _> = vec![input().try_into().unwrap()].try_into().unwrap();
		assert_noop!(
			Predictions::request_predictions(RuntimeOrigin::signed(requester()), 0, inputs, FEE - 1),
			Error::<Test>::FeeAboveMax
		);
		// Enough for two requests' fees and deposits, not three.
		assert_ok!(Balances::mint_into(&acc(98), 2 * (FEE + DEPOSIT) + 10));
		assert_noop!(request_batch(acc(98), vec![input(); 3]), Error::<Test>::CannotPayDeposit);
		assert_ok!(Balances::mint_into(&acc(97), 2 * FEE));
		assert_noop!(request_batch(acc(97), vec![input(); 3]), Error::<Test>::InsufficientBalance);
		// Three workers with four seats each hold four requests of three seats: after two, a
		// batch of three does not fit, a batch of two does.
		request_undrawn();
		request_undrawn();
		run_to_block(2);
		assert_noop!(request_batch(requester(), vec![input(); 3]), Error::<Test>::NetworkBusy);
		assert_ok!(request_batch(acc(98), vec![input(); 2]));
		assert_eq!(NetworkLoad::<Test>::get().seats, 12);
	});
}

/// A submission is charged for what its entries did, never more than its charge before
/// dispatch (every entry settling a request of `MaxRedundancy` workers): a commitment or an
/// answer short of quorum as a record, the answer that settles by its request's workers.
#[test]
fn a_submission_is_charged_for_what_its_entries_did() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		let charged = |settled, recorded, further| {
			Some(Predictions::submission_weight(settled, recorded, further).min(Predictions::max_submission_weight(1)))
		};
		assert_eq!(commit(&w1, id, expected()).unwrap().actual_weight, charged(0, 1, 0));
		assert_ok!(commit(&w2, id, expected()));
		assert_ok!(commit(&w3, id, expected()));
		assert_eq!(reveal(&w1, id, expected()).unwrap().actual_weight, charged(0, 1, 0));
		assert_eq!(reveal(&w2, id, expected()).unwrap().actual_weight, charged(1, 0, 2));
		assert!(Predictions::result(id).is_some());
		let max = Predictions::max_submission_weight(1);
		assert_eq!(max, Predictions::submission_weight(1, 0, <<Test as Config>::MaxRedundancy as Get<u32>>::get() - 1));
		assert!(Predictions::submission_weight(1, 0, 2).all_lte(max));
	});
}

#[test]
fn quorum_pays_owner_and_agreeing_workers_exactly() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		let id = request();
		let [w1, w2, w3] = workers();
		assert_ok!(commit(&w1, id, expected()));
		assert_ok!(commit(&w2, id, expected()));
		// w3 has not committed: reveals wait for the commit window to pass.
		assert_noop!(reveal(&w1, id, expected()), Error::<Test>::InvalidAnswer(AnswerError::RevealTooEarly));
		run_to_block(2 + COMMIT_WINDOW + 1);
		assert_ok!(reveal(&w1, id, expected()));
		// One answer is not a quorum of two: nothing is paid yet.
		assert!(Requests::<Test>::contains_key(id));
		assert_eq!(balance(&owner()), INITIAL_BALANCE);
		assert!(!Assignments::<Test>::contains_key(&w1, id));

		let post = reveal(&w2, id, expected()).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		// Charged for this request's three workers, not for `MaxRedundancy`.
		assert_eq!(post.actual_weight, Some(Predictions::submission_weight(1, 0, 2)));
		assert!(!Requests::<Test>::contains_key(id));
		// Requester: pays model fee + two worker fees; the third worker's fee comes back.
		assert_eq!(balance(&requester()), INITIAL_BALANCE - MODEL_FEE - 2 * WORKER_FEE);
		assert_eq!(Predictions::held_for(&requester()), 0);
		assert_eq!(balance(&owner()), INITIAL_BALANCE + MODEL_FEE);
		assert_eq!(balance(&w1), INITIAL_BALANCE + WORKER_FEE);
		assert_eq!(balance(&w2), INITIAL_BALANCE + WORKER_FEE);
		assert_eq!(balance(&w3), INITIAL_BALANCE);
		assert_eq!(Balances::total_issuance(), issuance);
		// The late worker has nothing left to do.
		assert!(!Assignments::<Test>::contains_key(&w3, id));
		assert_noop!(commit(&w3, id, expected()), Error::<Test>::InvalidAnswer(AnswerError::RequestNotOpen));

		let result = Predictions::result(id).unwrap();
		assert_eq!(result.output, expected());
		assert_eq!(result.input.to_vec(), input());
		assert_eq!(result.agreeing.to_vec(), vec![w1.clone(), w2.clone()]);
		assert_eq!(result.finalized_at, 2 + COMMIT_WINDOW + 1);
		assert!(events().contains(&Event::PredictionReady {
			request: id,
			model: 0,
			output: expected(),
			agreeing: vec![w1.clone(), w2.clone()],
		}));
		// The third worker let the commit window pass: the liveness penalty, nothing else.
		assert_eq!(
			Workers::outcomes(),
			vec![
				(w1.clone(), TaskOutcome::Done),
				(w2.clone(), TaskOutcome::Done),
				(w3.clone(), TaskOutcome::Missed),
				(w1, TaskOutcome::Agreed),
				(w2, TaskOutcome::Agreed)
			]
		);
		assert_eq!(Workers::offences(), vec![(w3, Perbill::from_percent(1), OffenceKind::MissedTask, None, None)]);
	});
}

#[test]
fn a_differing_answer_is_slashed_when_quorum_forms() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		commit_and_reveal(id, &[(w1.clone(), expected()), (w2.clone(), wrong()), (w3.clone(), expected())]);
		// Reported in the request's task, so a challenge can still clear it; nothing is taken
		// before the registry's deferral.
		assert_eq!(
			reported(),
			vec![(w2.clone(), Perbill::from_percent(10), OffenceKind::WrongAnswer, in_request(id), None)]
		);
		assert_eq!(Workers::stake_of(&w2), STAKE);
		assert_eq!(Workers::apply_slashes(), vec![(w2.clone(), STAKE / 10)]);
		assert_eq!(balance(&w2), INITIAL_BALANCE);
		assert_eq!(balance(&w1), INITIAL_BALANCE + WORKER_FEE);
		assert_eq!(balance(&w3), INITIAL_BALANCE + WORKER_FEE);
		assert_eq!(balance(&requester()), INITIAL_BALANCE - MODEL_FEE - 2 * WORKER_FEE);
		assert!(Workers::outcomes().contains(&(w2, TaskOutcome::Disagreed)));
		assert_eq!(Predictions::result(id).unwrap().agreeing.to_vec(), vec![w1, w3]);
	});
}

/// Attack: if the unrefunded share went to the workers that answered, a worker answering
/// garbage while a peer is absent (no quorum, so no slash) would be paid for it. It goes to
/// the fee sink: answering without a quorum earns nothing.
#[test]
fn no_quorum_among_all_answers_refunds_without_slashing_and_pays_no_answer() {
	ExtBuilder::default().params(3, 2).build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		commit_and_reveal(
			id,
			&[
				(w1.clone(), Prediction::Class(1)),
				(w2.clone(), Prediction::Class(2)),
				(w3.clone(), Prediction::Class(3)),
			],
		);
		assert!(!Requests::<Test>::contains_key(id));
		assert!(Predictions::result(id).is_none());
		// Half the worker fees are not refunded; none of it goes to an answer.
		assert_eq!(balance(&requester()), INITIAL_BALANCE - KEPT);
		assert_eq!(balance(&FeeSink::get()), KEPT);
		for w in [&w1, &w2, &w3] {
			assert_eq!(balance(w), INITIAL_BALANCE);
		}
		assert_eq!(Predictions::held_for(&requester()), 0);
		assert_eq!(Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &requester()), 0);
		assert!(Workers::offences().is_empty());
		assert!(events().contains(&Event::PredictionFailed { request: id, missed: vec![], kept: KEPT }));
	});
}

/// Attack: a worker that skips its work whenever it expects two peers to answer would lose only
/// the fee, keep its seat in the draw and leave the request one failure from no quorum. Once
/// the commit window has passed without its commitment it can no longer answer: when the
/// others reach quorum it gets the liveness penalty, exactly as if the request had failed. A
/// worker still inside its window (committed, not yet revealed) is not penalized.
#[test]
fn a_silent_worker_is_penalized_even_when_the_others_reach_quorum() {
	ExtBuilder::default().params(3, 2).build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		commit_and_reveal(id, &[(w1.clone(), expected()), (w2.clone(), expected())]);
		assert_eq!(Predictions::result(id).unwrap().agreeing.to_vec(), vec![w1.clone(), w2.clone()]);
		assert_eq!(reported(), vec![(w3.clone(), Perbill::from_percent(1), OffenceKind::MissedTask, None, None)]);
		assert!(Workers::outcomes().contains(&(w3.clone(), TaskOutcome::Missed)));
		assert_eq!(balance(&w3), INITIAL_BALANCE);
		assert_eq!(Assignments::<Test>::iter().count(), 0);

		// All three commit; two reveal at once and decide: the third is within its window.
		let id = request();
		let [w1, w2, w3] = workers();
		for w in [&w1, &w2, &w3] {
			assert_ok!(commit(w, id, expected()));
		}
		assert_ok!(reveal(&w1, id, expected()));
		assert_ok!(reveal(&w2, id, expected()));
		assert!(Predictions::result(id).is_some());
		assert_eq!(reported().len(), 1, "no new report: {:?}", reported());
	});
}

#[test]
fn deadline_refunds_and_penalizes_silent_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		// w1 commits and never reveals: as silent as the others.
		assert_ok!(commit(&w1, id, expected()));
		run_to_block(2 + ANSWER_WINDOW);
		// The deadline block itself still accepts answers.
		assert!(Requests::<Test>::contains_key(id));
		run_to_block(3 + ANSWER_WINDOW);
		assert!(!Requests::<Test>::contains_key(id));
		// The unrefunded share goes to the fee sink; the deposit comes back.
		assert_eq!(balance(&requester()), INITIAL_BALANCE - KEPT);
		assert_eq!(balance(&FeeSink::get()), KEPT);
		let missed = |w: &AccountId| (w.clone(), Perbill::from_percent(1), OffenceKind::MissedTask, None, None);
		assert_eq!(reported(), vec![missed(&w1), missed(&w2), missed(&w3)]);
		assert!(Workers::outcomes().contains(&(w2.clone(), TaskOutcome::Missed)));
		assert!(events().contains(&Event::PredictionFailed {
			request: id,
			missed: vec![w1.clone(), w2, w3],
			kept: KEPT
		}));
		assert_eq!(Assignments::<Test>::iter().count(), 0);
		// Too late now.
		assert_noop!(reveal(&w1, id, expected()), Error::<Test>::InvalidAnswer(AnswerError::RequestNotOpen));
	});
}

#[test]
fn late_answers_are_rejected_before_expiry_runs() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		// Same block as the expiry, before `on_initialize` (e.g. pool validation).
		System::set_block_number(3 + ANSWER_WINDOW);
		assert_noop!(commit(&workers()[0], id, expected()), Error::<Test>::InvalidAnswer(AnswerError::TooLate));
	});
}

#[test]
fn a_retired_model_takes_no_answers_and_spares_silent_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		Models::retire(0);
		// Refused as overtaken by events: a worker cannot answer for a model that is gone.
		assert_noop!(commit(&workers()[0], id, expected()), Error::<Test>::InvalidAnswer(AnswerError::ModelRetired));
		run_to_block(3 + ANSWER_WINDOW);
		assert!(Workers::offences().is_empty());
		assert_eq!(balance(&requester()), INITIAL_BALANCE);
		// The request's use of the model ended.
		assert_eq!(<Models as ModelRegistry<_>>::users(0), 0);
	});
}

/// Attack: the owner retires its model while results can still be challenged, so a wrong
/// quorum's result could no longer be re-executed (`ModelUnavailable`). A kept result keeps
/// the model in use: the challenge still runs, and the model goes only when the result is
/// pruned.
#[test]
fn retiring_a_model_does_not_shield_its_results_from_challenges() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, _] = workers();
		commit_and_reveal(id, &[(w1, wrong()), (w2, wrong())]);
		Models::retire(0);
		assert_ok!(Predictions::challenge(RuntimeOrigin::signed(acc(5)), id));
		assert_eq!(Predictions::result(id).unwrap().output, expected());
		assert_eq!(Workers::deposits_settled(), vec![(acc(5), true)]);
		assert_eq!(<Models as ModelRegistry<_>>::users(0), 1);
		run_to_block(2 + COMMIT_WINDOW + 1 + RETENTION);
		assert!(Predictions::result(id).is_none());
		assert_eq!(<Models as ModelRegistry<_>>::users(0), 0);
	});
}

#[test]
fn submission_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		let err = |e| Error::<Test>::InvalidAnswer(e);
		let c = |w: &AccountId, p: P| Submission::Commit(commitment(id, w, &p, &salt(w)));
		// A signer that is nobody's worker key.
		assert_noop!(
			Predictions::submit_predictions(
				RuntimeOrigin::signed(w1.clone()),
				vec![(id, c(&w1, expected()))].try_into().unwrap()
			),
			err(AnswerError::NotAWorkerKey)
		);
		// A worker that was not drawn.
		Workers::add_worker(&acc(5), STAKE);
		Workers::set_key(&acc(5), &acc(15));
		assert_noop!(commit(&acc(5), id, expected()), err(AnswerError::NotAssigned));
		assert_noop!(commit(&w1, 42, expected()), err(AnswerError::RequestNotOpen));
		// Quorum 2: no direct answers, and no reveal before a commitment.
		assert_noop!(answer(&w1, id, expected()), err(AnswerError::CommitFirst));
		assert_noop!(reveal(&w1, id, expected()), err(AnswerError::NotCommitted));
		assert_noop!(submit(&w1, vec![]), err(AnswerError::EmptySubmission));
		assert_noop!(
			submit(&w1, vec![(id, c(&w1, expected())), (id, c(&w1, expected()))]),
			err(AnswerError::DuplicateInSubmission)
		);
		// w1 commits to an output the model cannot produce.
		assert_ok!(commit(&w1, id, Prediction::Class(10)));
		assert_noop!(commit(&w1, id, expected()), err(AnswerError::AlreadyCommitted));
		assert_noop!(reveal(&w1, id, Prediction::Class(10)), err(AnswerError::RevealTooEarly));
		assert_ok!(commit(&w2, id, expected()));
		assert_ok!(commit(&w3, id, expected()));
		// Everyone committed: reveals are open.
		assert_noop!(reveal(&w1, id, Prediction::Class(10)), err(AnswerError::MalformedAnswer));
		// A reveal that differs from the commitment: another output, or another salt.
		assert_noop!(reveal(&w2, id, wrong()), err(AnswerError::CommitmentMismatch));
		assert_noop!(
			submit(&w2, vec![(id, Submission::Reveal(expected(), [9; 32]))]),
			err(AnswerError::CommitmentMismatch)
		);
		assert_ok!(reveal(&w2, id, expected()));
		// Revealing twice: the assignment is used up.
		assert_noop!(reveal(&w2, id, expected()), err(AnswerError::NotAssigned));
	});
}

/// Attack: answers were public in the pool and in storage before the quorum, so a lazy
/// assigned worker copied the first answer and was paid without computing. Now nothing is
/// public before every worker is bound: a copier can only commit blind, and copying a peer's
/// commitment does not open for the copier (it binds the peer's account).
#[test]
fn a_lazy_worker_cannot_copy_an_answer() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		assert_ok!(commit(&w1, id, expected()));
		// Nothing w3 can read names an output yet.
		let req = Requests::<Test>::get(id).unwrap();
		assert!(req.answers.is_empty());
		// w3 copies w1's commitment...
		let copied = req.commitments[0].1;
		assert_ok!(submit(&w3, vec![(id, Submission::Commit(copied))]));
		assert_ok!(commit(&w2, id, expected()));
		assert_ok!(reveal(&w1, id, expected()));
		// ...and, once w1's output and salt are public, cannot open it: it binds w1.
		assert_noop!(
			submit(&w3, vec![(id, Submission::Reveal(expected(), salt(&w1)))]),
			Error::<Test>::InvalidAnswer(AnswerError::CommitmentMismatch)
		);
		assert_ok!(reveal(&w2, id, expected()));
		// The quorum is w1 and w2; w3 is paid nothing.
		assert_eq!(Predictions::result(id).unwrap().agreeing.to_vec(), vec![w1, w2]);
		assert_eq!(balance(&w3), INITIAL_BALANCE);
	});
}

#[test]
fn a_mixed_submission_keeps_the_good_entries_and_pays_its_fee() {
	ExtBuilder::default().build_and_execute(|| {
		let a = request();
		let b = request();
		let w1 = workers()[0].clone();
		let good = Submission::Commit(commitment(a, &w1, &expected(), &salt(&w1)));
		// A direct answer to a quorum-2 request is the worker's own fault.
		let post = submit(&w1, vec![(a, good), (b, Submission::Answer(expected()))]).unwrap();
		assert_eq!(post.pays_fee, Pays::Yes);
		assert_eq!(Requests::<Test>::get(a).unwrap().commitments.len(), 1);
		assert!(Requests::<Test>::get(b).unwrap().commitments.is_empty());
		assert!(events().contains(&Event::AnswerRejected { request: b, worker: w1, reason: AnswerError::CommitFirst }));
	});
}

#[test]
fn quorum_of_one_finalizes_on_the_first_answer() {
	ExtBuilder::default().params(1, 1).build_and_execute(|| {
		let id = request();
		let w1 = workers()[0].clone();
		assert_eq!(Requests::<Test>::get(id).unwrap().workers.to_vec(), vec![w1.clone()]);
		// One worker: the requester was charged model fee + one worker fee.
		assert_eq!(Predictions::held_for(&requester()), MODEL_FEE + WORKER_FEE);
		assert_ok!(answer(&w1, id, expected()));
		assert_eq!(Predictions::result(id).unwrap().output, expected());
		assert_eq!(balance(&requester()), INITIAL_BALANCE - MODEL_FEE - WORKER_FEE);
	});
}

#[test]
fn a_failed_challenge_forfeits_the_fixed_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, _] = workers();
		commit_and_reveal(id, &[(w1, expected()), (w2, expected())]);
		let silent = reported();
		// Anyone may challenge, staked or not: the deposit is the price.
		assert_ok!(Predictions::challenge(RuntimeOrigin::signed(acc(5)), id));
		assert_eq!(Workers::deposits_settled(), vec![(acc(5), false)]);
		assert!(Workers::deposits_held().is_empty());
		assert_eq!(reported(), silent, "a rejected challenge reports nobody");
		assert!(events().contains(&Event::ChallengeRejected {
			request: id,
			challenger: acc(5),
			deposit: Workers::challenge_deposit()
		}));
		let result = Predictions::result(id).unwrap();
		assert!(result.challenged);
		assert_eq!(result.output, expected());
		assert_noop!(Predictions::challenge(RuntimeOrigin::signed(acc(5)), id), Error::<Test>::AlreadyChallenged);
	});
}

#[test]
fn an_upheld_challenge_pays_the_challenger_refunds_the_requester_and_clears_the_dissenter() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		// The right answer first, then a wrong quorum outvotes it.
		commit_and_reveal(id, &[(w3.clone(), expected()), (w1.clone(), wrong()), (w2.clone(), wrong())]);
		assert_eq!(
			reported(),
			vec![(w3.clone(), Perbill::from_percent(10), OffenceKind::WrongAnswer, in_request(id), None)]
		);
		assert_ok!(Predictions::challenge(RuntimeOrigin::signed(acc(5)), id));
		// The deposit comes back; the wrong quorum is reported with the challenger as reporter
		// (it shares their slashes' reward) ...
		assert_eq!(Workers::deposits_settled(), vec![(acc(5), true)]);
		let wrong_answer = |w: &AccountId| {
			(w.clone(), Perbill::from_percent(10), OffenceKind::WrongAnswer, in_request(id), Some(acc(5)))
		};
		assert_eq!(reported()[1..], [wrong_answer(&w1), wrong_answer(&w2)]);
		// ... their fees go back to the requester at once ...
		assert_eq!(
			Workers::claw_backs(),
			vec![(w1.clone(), requester(), WORKER_FEE), (w2.clone(), requester(), WORKER_FEE)]
		);
		// ... and the dissenter's offence is cancelled before it is applied.
		assert_eq!(Workers::cancelled(), vec![(w3.clone(), OffenceKind::WrongAnswer, Predictions::task(id))]);
		assert_eq!(Workers::pending_slash(&w3), 0);
		let result = Predictions::result(id).unwrap();
		assert_eq!(result.output, expected());
		assert_eq!(result.agreeing.to_vec(), vec![w3.clone()]);
		assert!(result.dissenting.is_empty());
		assert!(events().contains(&Event::ChallengeUpheld {
			request: id,
			challenger: acc(5),
			output: expected(),
			clawed_back: 2 * WORKER_FEE,
		}));
		assert!(Workers::outcomes().contains(&(w3, TaskOutcome::Agreed)));
	});
}

#[test]
fn challenge_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let w3 = workers()[2].clone();
		assert_noop!(Predictions::challenge(RuntimeOrigin::signed(w3.clone()), 0), Error::<Test>::UnknownResult);
		let id = request();
		commit_and_reveal(id, &[(workers()[0].clone(), expected()), (workers()[1].clone(), expected())]);
		Workers::set_deposit_error(Some(DispatchError::Other("broke")));
		assert_noop!(
			Predictions::challenge(RuntimeOrigin::signed(acc(5)), id),
			Error::<Test>::CannotPayChallengeDeposit
		);
		Workers::set_deposit_error(None);
		run_to_block(Predictions::result(id).unwrap().finalized_at + CHALLENGE_WINDOW + 1);
		assert_noop!(Predictions::challenge(RuntimeOrigin::signed(w3), id), Error::<Test>::ChallengeWindowClosed);
		assert!(Workers::deposits_held().is_empty());
	});
}

#[test]
fn challenge_weight_covers_the_largest_model_and_refunds_to_the_actual_one() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		commit_and_reveal(id, &[(workers()[0].clone(), expected()), (workers()[1].clone(), expected())]);
		let call = Call::<Test>::challenge { request: id };
		let declared = call.get_dispatch_info().call_weight;
		let post = Predictions::challenge(RuntimeOrigin::signed(workers()[2].clone()), id).unwrap();
		let actual = post.actual_weight.unwrap();
		// Proof size is the blob bound either way; the compute part is refunded.
		assert!(actual.all_lte(declared) && actual.ref_time() < declared.ref_time(), "{actual:?} < {declared:?}");
		let summary = <Models as ModelRegistry<_>>::model(0).unwrap();
		// Two agreeing workers, no dissenter.
		assert_eq!(actual, Predictions::challenge_weight(5) + Predictions::challenge_settlement_weight(2));
		// Charged at the worst rate the layer-family benchmarks measured, not the dense one.
		let families = [
			<() as WeightInfo>::challenge(5),
			<() as WeightInfo>::challenge_conv1x1(5),
			<() as WeightInfo>::challenge_conv3x3(5),
			<() as WeightInfo>::challenge_pool(5),
			<() as WeightInfo>::challenge_lut(5),
		];
		assert!(families.iter().all(|w| w.all_lte(Predictions::challenge_weight(5))));
		assert!(families.contains(&Predictions::challenge_weight(5)));
		assert_eq!(
			declared,
			Predictions::max_challenge_weight(),
			"declared for the largest model and MaxRedundancy workers"
		);
		// The digits model: cost 4 096, blob 2 792 bytes.
		assert_eq!(Predictions::challenge_component(summary.blob_len, summary.cost), 5);
	});
}

#[test]
fn results_are_pruned_after_retention_a_bounded_number_per_block() {
	ExtBuilder::default().params(1, 1).build_and_execute(|| {
		let ids: Vec<_> = (0..5).map(|_| request()).collect();
		for id in &ids {
			// The first worker until its capacity is full, then the next.
			let worker = Requests::<Test>::get(id).unwrap().workers[0].clone();
			assert_ok!(answer(&worker, *id, expected()));
		}
		// Drawn in blocks 2..=6, all answered and final in block 6.
		run_to_block(6 + RETENTION - 1);
		assert_eq!(Results::<Test>::iter().count(), 5);
		run_to_block(6 + RETENTION);
		// MaxQueueWorkPerBlock is 3.
		assert_eq!(Results::<Test>::iter().count(), 2);
		run_to_block(7 + RETENTION);
		assert_eq!(Results::<Test>::iter().count(), 0);
		assert!(events().contains(&Event::ResultPruned { request: 4 }));
		// Pruning returned every storage deposit.
		assert_eq!(Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &requester()), 0);
		assert!(Predictions::result(0).is_none());
	});
}

#[test]
fn expiry_work_per_block_is_bounded() {
	// One seat each, so four fit one block's draws (`MaxPendingSeats`).
	ExtBuilder::default().params(1, 1).build_and_execute(|| {
		// More than MaxQueueWorkPerBlock (3).
		for _ in 0..4 {
			request_undrawn();
		}
		// Drawn in block 2, due for expiry in block 3 + ANSWER_WINDOW.
		run_to_block(3 + ANSWER_WINDOW);
		assert_eq!(Requests::<Test>::iter().count(), 1);
		run_to_block(4 + ANSWER_WINDOW);
		assert_eq!(Requests::<Test>::iter().count(), 0);
		// Half of each request's one worker fee is not refunded.
		assert_eq!(balance(&requester()), INITIAL_BALANCE - 4 * (WORKER_FEE / 2));
	});
}

#[test]
fn set_parameters_checks_origin_and_relations() {
	ExtBuilder::default().build_and_execute(|| {
		let p = |redundancy, quorum| Parameters { redundancy, quorum, worker_fee: 7 };
		assert_noop!(Predictions::set_parameters(RuntimeOrigin::signed(acc(1)), p(3, 2)), DispatchError::BadOrigin);
		for (r, q) in [(3, 0), (2, 3), (4, 2), (6, 4)] {
			assert_noop!(Predictions::set_parameters(RuntimeOrigin::root(), p(r, q)), Error::<Test>::InvalidParameters);
		}
		assert_ok!(Predictions::set_parameters(RuntimeOrigin::root(), p(5, 3)));
		assert_eq!(Params::<Test>::get(), Some(p(5, 3)));
		assert!(events().contains(&Event::ParametersSet { redundancy: 5, quorum: 3, worker_fee: 7 }));
	});
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build_and_execute(Predictions::integrity_test);
}

#[test]
#[should_panic(expected = "shorter than the registry's slash deferral")]
fn integrity_test_rejects_a_challenge_window_outlasting_the_slash_deferral() {
	ExtBuilder::default().build().execute_with(|| {
		Workers::set_slash_defer_duration(CHALLENGE_WINDOW as u32);
		Predictions::integrity_test();
	});
}

#[test]
#[should_panic(expected = "longest offence window")]
fn integrity_test_rejects_windows_longer_than_the_offence_window() {
	ExtBuilder::default().build().execute_with(|| {
		Workers::set_longest_offence_window((ANSWER_WINDOW + CHALLENGE_WINDOW) as u32);
		Predictions::integrity_test();
	});
}

/// A chain from before storage version 1 has undrawn requests but no `PendingSeats`: the
/// migration counts their seats, so the next block's draws free exactly what they took.
#[test]
fn the_v1_migration_counts_the_seats_awaiting_their_draw() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		request_undrawn();
		request_undrawn();
		StorageVersion::new(0).put::<Predictions>();
		PendingSeats::<Test>::kill();
		assert!(Predictions::do_try_state().is_err());
		crate::migrations::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Predictions::on_chain_storage_version(), 1);
		assert_eq!(PendingSeats::<Test>::get(), 6);
		// Once only: at version 1 it does nothing.
		PendingSeats::<Test>::put(5);
		crate::migrations::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(PendingSeats::<Test>::get(), 5);
		PendingSeats::<Test>::put(6);
		run_to_block(2);
		assert_eq!(PendingSeats::<Test>::get(), 0);
	});
}

mod capacity {
	use super::*;

	/// Attack: unlimited requests (each refunded in full at expiry) give every assigned worker
	/// more than its off-chain worker can answer, and every miss is a liveness slash. A worker
	/// now holds at most `MaxAssignmentsPerWorker` open assignments; beyond the network's
	/// capacity a request fails at submission and costs nobody anything.
	#[test]
	fn requests_beyond_the_workers_capacity_fail_at_submission() {
		ExtBuilder::default().build_and_execute(|| {
			let cap = MaxAssignmentsPerWorker::get();
			// R = 3 of 3 workers: every request takes a seat of each, so `cap` requests fill them
			// (made over two blocks: a block's requests take at most `MaxPendingSeats` seats).
			let mut made = 0;
			while made < cap {
				let n = (cap - made).min(MaxPendingSeats::get() / 3);
				for _ in 0..n {
					request_undrawn();
				}
				made += n;
				run_to_block(System::block_number() + 1);
			}
			let before = balance(&requester());
			assert_noop!(request_once(), Error::<Test>::NetworkBusy);
			assert_eq!(balance(&requester()), before);
			for w in workers() {
				assert_eq!(WorkerLoad::<Test>::get(&w).seats, cap);
			}
			// Answering frees the seats at once.
			let id = 0;
			commit_and_reveal(id, &[(workers()[0].clone(), expected()), (workers()[1].clone(), expected())]);
			assert_eq!(WorkerLoad::<Test>::get(&workers()[0]).seats, cap - 1);
			assert_eq!(WorkerLoad::<Test>::get(&workers()[2]).seats, cap - 1);
			request();
		});
	}

	/// Attack: the draw queue was bounded in requests, whatever their redundancy, so a block
	/// of requests at the largest redundancy gave the next block's hook that many times the
	/// draw work. A block now takes requests until their seats reach `MaxPendingSeats`: three
	/// requests of three seats, although the workers have room for a fourth.
	#[test]
	fn a_block_takes_requests_until_their_seats_reach_max_pending_seats() {
		ExtBuilder::default().build_and_execute(|| {
			for _ in 0..MaxPendingSeats::get() / 3 {
				request_undrawn();
			}
			assert_eq!(PendingSeats::<Test>::get(), MaxPendingSeats::get());
			assert!(NetworkLoad::<Test>::get().seats + 3 <= 3 * MaxAssignmentsPerWorker::get());
			assert_noop!(request_batch(requester(), vec![input()]), Error::<Test>::NetworkBusy);
			run_to_block(2);
			request_undrawn();
			assert_eq!(PendingSeats::<Test>::get(), 3);
		});
	}

	#[test]
	fn a_block_takes_at_most_max_pending_seats_one_seat_requests() {
		ExtBuilder::default().params(1, 1).build_and_execute(|| {
			for _ in 0..MaxPendingSeats::get() {
				request_undrawn();
			}
			assert_noop!(request_once(), Error::<Test>::NetworkBusy);
			run_to_block(2);
			assert_eq!(DrawQueueBounds::<Test>::get().head, u64::from(MaxPendingSeats::get()));
			request_undrawn();
		});
	}

	/// With one-seat requests a block takes `MaxPendingSeats` through batches too; the batch
	/// that would pass it is refused whole.
	#[test]
	fn batches_fill_a_block_up_to_max_pending_seats() {
		ExtBuilder::default().params(1, 1).build_and_execute(|| {
			let per_call = <<Test as Config>::MaxRequestsPerCall as Get<u32>>::get();
			let calls = MaxPendingSeats::get() / per_call;
			for _ in 0..calls {
				assert_ok!(request_batch(requester(), vec![input(); per_call as usize]));
			}
			// One seat is left: a batch of two is refused whole, one request fits.
			assert_noop!(request_batch(requester(), vec![input(); 2]), Error::<Test>::NetworkBusy);
			request_undrawn();
			assert_noop!(request_once(), Error::<Test>::NetworkBusy);
			assert_noop!(request_batch(requester(), vec![input(); 1]), Error::<Test>::NetworkBusy);
			assert_eq!(DrawQueueBounds::<Test>::get().tail, u64::from(MaxPendingSeats::get()));
			assert_eq!(PendingSeats::<Test>::get(), MaxPendingSeats::get());
			run_to_block(2);
			assert_eq!(PendingSeats::<Test>::get(), 0);
			request_undrawn();
		});
	}

	/// The hook prices its draws by the seats it drew, which it counts per request.
	#[test]
	fn the_draw_counts_the_seats_of_the_requests_it_drew() {
		ExtBuilder::default().build_and_execute(|| {
			request_undrawn();
			assert_ok!(request_batch(requester(), vec![input(); 2]));
			System::set_block_number(2);
			assert_eq!(Predictions::draw_due(2), (3, 9));
			assert_eq!(Assignments::<Test>::iter().count(), 9);
		});
	}

	#[test]
	fn workers_at_capacity_are_not_drawn() {
		ExtBuilder::default().params(1, 1).build_and_execute(|| {
			let [w1, w2, _] = workers();
			WorkerLoad::<Test>::insert(&w1, Load { seats: MaxAssignmentsPerWorker::get(), cost: 0 });
			// Keep try_state's books: pretend w1's seats belong to nothing (tested below only).
			let id = request_undrawn();
			System::set_block_number(2);
			Predictions::draw_due(2);
			assert_eq!(Requests::<Test>::get(id).unwrap().workers.to_vec(), vec![w2]);
			WorkerLoad::<Test>::remove(&w1);
		});
	}

	#[test]
	fn a_draw_without_enough_workers_with_capacity_waits_for_them() {
		ExtBuilder::default().build_and_execute(|| {
			let id = request_undrawn();
			// One of the three workers is away at the draw: tried again next block.
			let w1 = workers()[0].clone();
			Workers::chill(&w1);
			run_to_block(2);
			assert!(Requests::<Test>::get(id).unwrap().workers.is_empty());
			Workers::add_worker(&w1, STAKE);
			run_to_block(3);
			let req = Requests::<Test>::get(id).unwrap();
			assert_eq!(req.workers.len(), 3);
			// The answer window starts at the draw.
			assert_eq!(req.deadline, Some(3 + ANSWER_WINDOW));
			assert!(!events().iter().any(|e| matches!(e, Event::DrawFailed { .. })));
		});
	}

	#[test]
	fn a_draw_without_enough_workers_for_an_answer_window_refunds_in_full() {
		ExtBuilder::default().build_and_execute(|| {
			let id = request_undrawn();
			// One of the three workers leaves before the draw and does not come back.
			Workers::chill(&workers()[0]);
			run_to_block(2 + ANSWER_WINDOW);
			assert!(Requests::<Test>::contains_key(id));
			run_to_block(3 + ANSWER_WINDOW);
			assert!(!Requests::<Test>::contains_key(id));
			assert!(events().contains(&Event::DrawFailed { request: id }));
			assert_eq!(balance(&requester()), INITIAL_BALANCE);
			assert_eq!(NetworkLoad::<Test>::get(), Load::default());
			assert_eq!(<Models as ModelRegistry<_>>::users(0), 0);
			assert!(Workers::offences().is_empty());
		});
	}

	#[test]
	fn a_worker_at_capacity_can_answer_everything_before_its_deadlines() {
		// What the cap is for, as `integrity_test` checks it: commitments for all in half the
		// commit window, commitments and reveals for all in half the answer window.
		let per_block = max_answers();
		let cap = MaxAssignmentsPerWorker::get();
		assert!(2 * cap <= per_block * COMMIT_WINDOW as u32);
		assert!(4 * cap <= per_block * ANSWER_WINDOW as u32);
		assert_eq!(Predictions::max_assignments_allowed(), cap);
	}
}

mod pool {
	use super::*;
	use frame_support::{dispatch::DispatchInfo, pallet_prelude::TransactionSource};
	use polkadot_sdk::sp_runtime::{
		traits::DispatchTransaction,
		transaction_validity::{InvalidTransaction, TransactionValidityError},
	};

	fn validate(
		who: &AccountId,
		call: RuntimeCall,
	) -> Result<polkadot_sdk::sp_runtime::transaction_validity::ValidTransaction, TransactionValidityError> {
		CheckPredictionAnswers::<Test>::new()
			.validate_only(
				RuntimeOrigin::signed(who.clone()),
				&call,
				&DispatchInfo::default(),
				0,
				TransactionSource::External,
				0,
			)
			.map(|(valid, _, _)| valid)
	}

	fn call(entries: Vec<(RequestId, S)>) -> RuntimeCall {
		RuntimeCall::Predictions(Call::submit_predictions { answers: entries.try_into().unwrap() })
	}

	/// `w`'s commitment to `p` for `id`.
	fn c(id: RequestId, w: &AccountId, p: P) -> S {
		Submission::Commit(commitment(id, w, &p, &salt(w)))
	}

	fn custom(
		e: AnswerError,
	) -> Result<polkadot_sdk::sp_runtime::transaction_validity::ValidTransaction, TransactionValidityError> {
		Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(e as u8)))
	}

	#[test]
	fn valid_entries_provide_one_tag_per_request_and_step() {
		ExtBuilder::default().build_and_execute(|| {
			let a = request();
			let b = request();
			let [w1, w2, w3] = workers();
			let valid =
				validate(&key_of(&w1), call(vec![(a, c(a, &w1, expected())), (b, c(b, &w1, expected()))])).unwrap();
			assert_eq!(valid.provides, vec![extension::commit_tag(&w1, a), extension::commit_tag(&w1, b)]);
			assert_eq!(valid.priority, AnswerPriority::get());
			// Valid through `a`'s deadline block (`a` was drawn a block before now).
			assert_eq!(valid.longevity, ANSWER_WINDOW);
			// Another worker's commitment to the same request has a different tag.
			let other = validate(&key_of(&w2), call(vec![(a, c(a, &w2, expected()))])).unwrap();
			assert_ne!(other.provides[0], valid.provides[0]);
			// A reveal provides the answer tag.
			for w in [&w1, &w2, &w3] {
				assert_ok!(commit(w, a, expected()));
			}
			let reveal = validate(&key_of(&w1), call(vec![(a, Submission::Reveal(expected(), salt(&w1)))])).unwrap();
			assert_eq!(reveal.provides, vec![extension::answer_tag(&w1, a)]);
		});
	}

	#[test]
	fn unassigned_duplicate_late_and_malformed_entries_are_invalid() {
		ExtBuilder::default().build_and_execute(|| {
			let id = request();
			let w = workers()[0].clone();
			let w1 = key_of(&w);
			let commit_w = || call(vec![(id, c(id, &w, expected()))]);
			assert_eq!(validate(&acc(5), commit_w()), custom(AnswerError::NotAWorkerKey));
			// The stash itself does not sign answers.
			assert_eq!(validate(&w, commit_w()), custom(AnswerError::NotAWorkerKey));
			Workers::add_worker(&acc(5), STAKE);
			Workers::set_key(&acc(5), &acc(15));
			assert_eq!(
				validate(&acc(15), call(vec![(id, c(id, &acc(5), expected()))])),
				custom(AnswerError::NotAssigned)
			);
			assert_eq!(validate(&w1, call(vec![(9, c(9, &w, expected()))])), custom(AnswerError::RequestNotOpen));
			assert_eq!(
				validate(&w1, call(vec![(id, Submission::Answer(expected()))])),
				custom(AnswerError::CommitFirst)
			);
			assert_eq!(
				validate(&w1, call(vec![(id, Submission::Reveal(expected(), salt(&w)))])),
				custom(AnswerError::NotCommitted)
			);
			assert_eq!(validate(&w1, call(vec![])), custom(AnswerError::EmptySubmission));
			assert_eq!(
				validate(&w1, call(vec![(id, c(id, &w, expected())), (id, c(id, &w, expected()))])),
				custom(AnswerError::DuplicateInSubmission)
			);
			assert_ok!(commit(&w, id, expected()));
			// Committing twice is only stale (a resent commitment).
			assert_eq!(validate(&w1, commit_w()), custom(AnswerError::AlreadyCommitted));
			assert_eq!(
				validate(&w1, call(vec![(id, Submission::Reveal(expected(), salt(&w)))])),
				custom(AnswerError::RevealTooEarly)
			);
			System::set_block_number(3 + ANSWER_WINDOW);
			let w2 = workers()[1].clone();
			assert_eq!(validate(&key_of(&w2), call(vec![(id, c(id, &w2, expected()))])), custom(AnswerError::TooLate));
		});
	}

	/// Attack (on honest workers): with R = 3 and Q = 2 the third worker's batch usually
	/// holds an answer a peer finalized first; the whole batch was invalid, so its other
	/// entries waited and were missed. Stale entries now only drop out of the batch.
	#[test]
	fn a_batch_with_stale_entries_stays_valid_for_the_rest_and_is_free() {
		ExtBuilder::default().build_and_execute(|| {
			let a = request();
			let b = request();
			let d = request();
			let [w1, w2, w3] = workers();
			// All commit to `a`; w1 and w2 reveal and reach quorum before w3.
			for w in [&w1, &w2, &w3] {
				assert_ok!(commit(w, a, expected()));
			}
			assert_ok!(reveal(&w1, a, expected()));
			assert_ok!(reveal(&w2, a, expected()));
			let batch = vec![(a, Submission::Reveal(expected(), salt(&w3))), (b, c(b, &w3, expected()))];
			let valid = validate(&key_of(&w3), call(batch.clone())).unwrap();
			assert_eq!(valid.provides, vec![extension::commit_tag(&w3, b)]);
			let post = submit(&w3, batch).unwrap();
			assert_eq!(post.pays_fee, Pays::No);
			assert_eq!(Requests::<Test>::get(b).unwrap().commitments.len(), 1);
			assert!(events().contains(&Event::AnswerRejected {
				request: a,
				worker: w3.clone(),
				reason: AnswerError::RequestNotOpen
			}));
			// Only stale entries: invalid, nothing to include.
			assert_eq!(
				validate(&key_of(&w3), call(vec![(a, Submission::Reveal(expected(), salt(&w3)))])),
				custom(AnswerError::RequestNotOpen)
			);
			// An entry that is the worker's own fault still invalidates the batch.
			assert_eq!(
				validate(&key_of(&w1), call(vec![(b, c(b, &w1, expected())), (a + 7, c(a + 7, &w1, expected()))]))
					.map(|v| v.provides.len()),
				Ok(1)
			);
			assert_eq!(
				validate(&key_of(&w1), call(vec![(b, c(b, &w1, expected())), (d, Submission::Answer(expected()))])),
				custom(AnswerError::CommitFirst)
			);
			assert_eq!(
				validate(&key_of(&w1), call(vec![(b, Submission::Answer(expected()))])),
				custom(AnswerError::CommitFirst)
			);
		});
	}

	#[test]
	fn other_calls_pass_untouched() {
		ExtBuilder::default().build_and_execute(|| {
			let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
			assert_eq!(validate(&acc(5), call).unwrap(), Default::default());
		});
	}
}

mod offchain_worker {
	use super::*;
	use codec::{Decode, Encode};
	use modelchain_primitives::WORKER_KEY_TYPE;
	use polkadot_sdk::sp_runtime::traits::Verify;
	use polkadot_sdk::{
		sp_core::offchain::{testing, OffchainDbExt, OffchainWorkerExt, TransactionPoolExt},
		sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt},
		sp_runtime::generic::Preamble,
	};
	use std::sync::Arc;

	struct Env {
		ext: polkadot_sdk::sp_io::TestExternalities,
		/// The transactions in the pool, decoded.
		pool: Arc<dyn Fn() -> Vec<Extrinsic>>,
		worker: AccountId,
		/// The node's off-chain clock, in unix milliseconds.
		clock: Arc<dyn Fn() -> u64>,
	}

	/// A node whose keystore holds one worker key (`Env::worker`), the key of the only worker
	/// `acc(11)` in the mock registry (redundancy and quorum 1).
	fn env() -> Env {
		let (offchain, offchain_state) = testing::TestOffchainExt::new();
		let (pool, pool_state) = testing::TestTransactionPoolExt::new();
		let keystore = MemoryKeystore::new();
		let public = keystore.sr25519_generate_new(WORKER_KEY_TYPE, Some("//Worker")).unwrap();
		// The node holds only the key; the worker's stash is another account.
		let worker = account_of(public);
		let mut ext = ExtBuilder::default().params(1, 1).build();
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(keystore));
		let w = worker.clone();
		ext.execute_with(|| {
			Workers::set_workers(&[(acc(11), STAKE)]);
			Workers::set_key(&acc(11), &w);
		});
		let pool =
			move || pool_state.read().transactions.iter().map(|tx| Extrinsic::decode(&mut &tx[..]).unwrap()).collect();
		let clock = move || offchain_state.read().timestamp.unix_millis();
		Env { ext, pool: Arc::new(pool), worker, clock: Arc::new(clock) }
	}

	fn pooled(env: &Env) -> Vec<Extrinsic> {
		(env.pool)()
	}

	/// The nonces the pool's transactions were signed with, in pool order.
	fn pooled_nonces(pool: &dyn Fn() -> Vec<Extrinsic>) -> Vec<u32> {
		pool()
			.iter()
			.map(|tx| match tx.preamble {
				Preamble::Signed(_, _, nonce) => nonce,
				_ => panic!("signed"),
			})
			.collect()
	}

	/// Reserves the node's worker key's next nonce at block `now` for an empty submission, as a
	/// run of the off-chain worker would.
	fn reserve_at(now: u64) -> modelchain_primitives::offchain::Reserved<Test, Call<Test>> {
		use frame_system::offchain::Signer;
		use modelchain_primitives::{offchain::reserve, worker_key::WorkerAuthId};
		let account = Signer::<Test, WorkerAuthId>::keystore_accounts().next().expect("the worker key");
		let call = || Some(Call::<Test>::submit_predictions { answers: Default::default() });
		reserve::<Test, WorkerAuthId, _>(&account, now, |_| false, |_| call()).unwrap().expect("something to send")
	}

	#[test]
	fn worker_answers_its_assignment_with_the_engine_output() {
		let mut env = env();
		let worker = env.worker.clone();
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(2);
		});
		let txs = pooled(&env);
		assert_eq!(txs.len(), 1);
		let tx = &txs[0];
		// Signed by the worker key: the signature over the call verifies against the key's account.
		let Preamble::Signed(who, signature, _) = &tx.preamble else { panic!("a signed transaction") };
		assert_eq!(*who, worker);
		assert!(signature.verify(&codec::Encode::encode(&tx.function)[..], &worker));
		assert_eq!(
			tx.function,
			RuntimeCall::Predictions(Call::submit_predictions {
				answers: vec![(0, Submission::Answer(expected()))].try_into().unwrap()
			})
		);
		// The pooled transaction is valid and finalizes the request when dispatched.
		env.ext.execute_with(|| {
			let RuntimeCall::Predictions(Call::submit_predictions { answers }) = tx.function.clone() else {
				unreachable!()
			};
			assert_ok!(Predictions::submit_predictions(RuntimeOrigin::signed(worker.clone()), answers));
			assert_eq!(Predictions::result(0).unwrap().output, expected());
			assert_eq!(Predictions::result(0).unwrap().agreeing.to_vec(), vec![acc(11)]);
		});
	}

	/// Peers validate a transaction against the newest block they have, and reject an answer
	/// to a request drawn in a block they have not imported yet: the worker holds its first
	/// submission of a block back for `PEER_IMPORT_MS`, and only that one.
	#[test]
	fn answers_wait_for_the_peers_to_import_the_block() {
		use modelchain_primitives::offchain::PEER_IMPORT_MS;
		let mut env = env();
		let clock = |env: &Env| (env.clock)();
		let start = clock(&env);
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(2);
		});
		assert_eq!(pooled(&env).len(), 1);
		assert_eq!(clock(&env), start + PEER_IMPORT_MS);
		// Nothing to send: no wait.
		env.ext.execute_with(|| Predictions::offchain_worker(3));
		assert_eq!(clock(&env), start + PEER_IMPORT_MS);
	}

	#[test]
	fn a_second_run_in_the_same_block_submits_nothing() {
		let mut env = env();
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(2);
			Predictions::offchain_worker(2);
		});
		assert_eq!(pooled(&env).len(), 1);
	}

	#[test]
	fn sent_answers_wait_before_being_resent() {
		let mut env = env();
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(2);
			// Not on chain yet (still in the pool, or dropped): nothing until RESEND_AFTER
			// blocks have passed, then the answer goes again.
			System::set_block_number(3);
			Predictions::offchain_worker(3);
		});
		assert_eq!(pooled(&env).len(), 1);
		env.ext.execute_with(|| {
			let at = 2 + offchain::RESEND_AFTER as u64;
			System::set_block_number(at);
			Predictions::offchain_worker(at);
		});
		assert_eq!(pooled(&env).len(), 2);
		env.ext.execute_with(|| {
			// From the deadline block on (2 + 5), an answer could not be included in time.
			let at = 2 + ANSWER_WINDOW;
			System::set_block_number(at);
			Predictions::offchain_worker(at);
		});
		assert_eq!(pooled(&env).len(), 2);
	}

	/// A worker's answers are not in the next block (a busy network). Its next submission
	/// signed with the chain's nonce reused theirs: the pool keeps one transaction per sender
	/// and nonce, so the other's answers came late or never (and the worker was slashed for
	/// them). The zombienet load found it: the same nonce signed three and four times in a row.
	#[test]
	fn a_submission_sent_while_the_last_is_pending_takes_the_next_nonce() {
		let mut env = env();
		let pool = env.pool.clone();
		let key = env.worker.clone();
		let nonces = || pooled_nonces(&*pool);
		env.ext.execute_with(|| {
			request();
			run_offchain_worker(2);
			// The next request is drawn while the first answer waits in the pool.
			request();
			run_offchain_worker(3);
			assert_eq!(nonces(), vec![0, 1]);
			// The chain takes the first only: the next one signs after the second.
			System::inc_account_nonce(&key);
			request();
			run_offchain_worker(4);
			assert_eq!(nonces(), vec![0, 1, 2]);
			// Nonce 1 stays missing: after `STUCK_AFTER` blocks it counts as lost and the chain's
			// nonce is signed again (nonce 2 cannot be included without it).
			// (Its answers are due again by then.)
			let lost_at = 3 + modelchain_primitives::offchain::STUCK_AFTER as u64;
			run_to_block(lost_at);
			run_offchain_worker(lost_at);
			assert_eq!(nonces().last(), Some(&1));
		});
	}

	/// Off-chain worker runs of two blocks overlap when blocks come faster than a run (catch-up);
	/// the second reserves its nonce while the first waits to submit.
	#[test]
	fn overlapping_runs_sign_different_nonces() {
		use modelchain_primitives::offchain::submit;
		let mut env = env();
		let pool = env.pool.clone();
		env.ext.execute_with(|| {
			let first = reserve_at(2);
			// The next block's run, before the first submitted.
			let second = reserve_at(3);
			assert_eq!((first.nonce, second.nonce), (0, 1));
			assert_eq!(submit(second), Ok(1));
			assert_eq!(submit(first), Ok(0));
		});
		assert_eq!(pooled_nonces(&*pool), vec![1, 0]);
	}

	/// A run that died while choosing a nonce holds its key's lock until it expires; the next run
	/// waits for that instead of reading a record the dead one may have been writing.
	#[test]
	fn a_run_waits_for_the_keys_nonce_lock() {
		use modelchain_primitives::offchain::{NONCE_LOCK_MS, NONCE_LOCK_PREFIX};
		use polkadot_sdk::sp_runtime::offchain::{
			storage_lock::{StorageLock, Time},
			Duration,
		};
		let mut env = env();
		let clock = env.clock.clone();
		let key = env.worker.clone();
		env.ext.execute_with(|| {
			let mut lock_key = NONCE_LOCK_PREFIX.to_vec();
			lock_key.extend(key.encode());
			let mut lock = StorageLock::<Time>::with_deadline(&lock_key, Duration::from_millis(NONCE_LOCK_MS));
			let held_at = clock();
			lock.lock().forget();
			let reserved = reserve_at(2);
			assert_eq!(reserved.nonce, 0);
			assert!(
				clock() >= held_at + NONCE_LOCK_MS,
				"reserved at {} ms, the lock held until {}",
				clock(),
				held_at + NONCE_LOCK_MS
			);
		});
	}

	#[test]
	fn an_unassigned_key_submits_nothing() {
		let mut env = env();
		env.ext.execute_with(|| {
			// Assign someone else.
			Workers::add_worker(&acc(12), STAKE);
			Workers::set_selection(Some(vec![acc(12)]));
			request();
			Predictions::offchain_worker(2);
		});
		assert!(pooled(&env).is_empty());
	}

	#[test]
	fn work_per_block_is_bounded_by_cost() {
		let mut env = env();
		let pool = env.pool.clone();
		env.ext.execute_with(|| {
			let summary = <Models as ModelRegistry<_>>::model(0).unwrap();
			for _ in 0..3 {
				request_undrawn();
			}
			run_to_block(2);
			// From now on the off-chain worker can only afford loading the model once and two
			// inferences a block.
			OffchainCostPerBlock::set(summary.blob_len as u64 + summary.cost * 2);
			Predictions::offchain_worker(2);
			let txs = pool();
			assert_eq!(txs.len(), 1);
			let RuntimeCall::Predictions(Call::submit_predictions { answers }) = &txs[0].function else {
				unreachable!()
			};
			// Earliest deadline first (all equal here: by id).
			assert_eq!(answers.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![0, 1]);
			// The rest next block.
			System::set_block_number(3);
			Predictions::offchain_worker(3);
			assert_eq!(pool().len(), 2);
		});
	}

	/// Dispatches the pooled submissions, as the next block would include them: in order, each
	/// only with its sender's next nonce (as `CheckNonce`: an older one is stale, a later one
	/// waits for one that never comes), which it then takes. A submission left with only stale
	/// entries (its requests settled by peers first) would have left the pool: its failure is
	/// ignored and its nonce stays free.
	fn include(pool: Vec<Vec<u8>>) {
		for tx in pool {
			let tx = Extrinsic::decode(&mut &tx[..]).unwrap();
			let Preamble::Signed(who, _, nonce) = tx.preamble else { panic!("signed") };
			if nonce != System::account_nonce(&who) {
				continue;
			}
			let RuntimeCall::Predictions(Call::submit_predictions { answers }) = tx.function else {
				panic!("an answer submission")
			};
			match Predictions::submit_predictions(RuntimeOrigin::signed(who.clone()), answers) {
				Ok(_) => System::inc_account_nonce(&who),
				Err(e) => match e.error {
					DispatchError::Module(_)
						if e.error == Error::<Test>::InvalidAnswer(AnswerError::RequestNotOpen).into() => {}
					other => panic!("a valid submission failed: {other:?}"),
				},
			}
		}
	}

	/// A node holding the keys of all three workers (R = 3, Q = 2).
	fn three_worker_node() -> polkadot_sdk::sp_io::TestExternalities {
		let (offchain, offchain_state) = testing::TestOffchainExt::new();
		let set_seed: SetSeed = Box::new(move |seed| offchain_state.write().seed = seed);
		SET_SEED.with(|s| *s.borrow_mut() = Some(set_seed));
		let (pool, pool_state) = testing::TestTransactionPoolExt::new();
		let drain: Box<dyn Fn() -> Vec<Vec<u8>>> =
			Box::new(move || std::mem::take(&mut pool_state.write().transactions));
		POOL.with(|p| *p.borrow_mut() = Some(drain));
		let keystore = MemoryKeystore::new();
		let keys: Vec<AccountId> = (0..3)
			.map(|i| account_of(keystore.sr25519_generate_new(WORKER_KEY_TYPE, Some(&format!("//W{i}"))).unwrap()))
			.collect();
		let mut ext = ExtBuilder::default().build();
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(keystore));
		ext.execute_with(|| {
			for (w, k) in workers().iter().zip(&keys) {
				Workers::set_key(w, k);
			}
		});
		ext
	}

	/// The off-chain worker at block `n`, its state changes discarded as a node discards them
	/// (`frame_system::offchain`'s signer bumps the account nonce in state, which a test
	/// externality would otherwise keep).
	fn run_offchain_worker(n: u64) {
		frame_support::storage::with_transaction(|| {
			Predictions::offchain_worker(n);
			frame_support::storage::TransactionOutcome::Rollback(Ok::<(), DispatchError>(()))
		})
		.unwrap();
	}

	/// Takes the transactions out of a test node's pool.
	type Drain = Box<dyn Fn() -> Vec<Vec<u8>>>;
	/// Sets a test node's off-chain random seed.
	type SetSeed = Box<dyn Fn([u8; 32])>;

	std::thread_local! {
		/// Takes the transactions out of the test node's pool.
		static POOL: std::cell::RefCell<Option<Drain>> = const { std::cell::RefCell::new(None) };
		/// Sets the test node's off-chain random seed.
		static SET_SEED: std::cell::RefCell<Option<SetSeed>> = const { std::cell::RefCell::new(None) };
	}

	/// The next block: its hook, then what the off-chain worker sent after the last block is
	/// included, then the node's off-chain worker runs on it.
	fn next_block() {
		run_to_block(System::block_number() + 1);
		include(POOL.with(|p| (p.borrow().as_ref().unwrap())()));
		run_offchain_worker(System::block_number());
	}

	/// The honest path with R = 3, Q = 2: drawn the block after the request, committed the
	/// next, revealed and final the one after: three blocks from request to result.
	#[test]
	fn three_workers_commit_then_reveal_within_three_blocks() {
		three_worker_node().execute_with(|| {
			let id = request_undrawn();
			// Block 2 draws; the off-chain workers commit.
			next_block();
			// Block 3 includes the three commitments (nothing public yet); they reveal.
			next_block();
			let req = Requests::<Test>::get(id).unwrap();
			assert_eq!(req.commitments.len(), 3);
			assert!(req.answers.is_empty());
			// Block 4 includes the reveals.
			next_block();
			let result = Predictions::result(id).expect("final");
			assert_eq!(result.output, expected());
			assert_eq!(result.finalized_at, 4, "requested at 1, final at 4 (included in the block after 3)");
			assert!(Workers::offences().is_empty());
		});
	}

	/// Found by the load measurement on the four-validator network (`scripts/load.sh
	/// --zombienet`): a worker's commitment that is not on chain after `RESEND_AFTER` blocks
	/// (its transaction delayed, or dropped for a nonce already used) is sent again; if the
	/// resend carried a fresh salt and the chain took the resend, the worker revealed the first
	/// salt, its whole batch was invalid (`CommitmentMismatch`) and it missed every request in it.
	/// Whichever of the two transactions the chain takes, the reveal must match it.
	#[test]
	fn a_resent_commitment_is_revealed_with_what_the_chain_holds() {
		for chain_takes_the_resend in [true, false] {
			TestCommitWindow::set(2 * offchain::RESEND_AFTER as u64 + 1);
			three_worker_node().execute_with(|| {
				let drain = || POOL.with(|p| (p.borrow().as_ref().unwrap())());
				let id = request_undrawn();
				run_to_block(2);
				Predictions::offchain_worker(2);
				let first = drain();
				assert_eq!(first.len(), 3, "three commitments");
				// Not on chain for RESEND_AFTER blocks: sent again, with the node's randomness moved on
				// (a real node's `random_seed` differs at every call).
				SET_SEED.with(|s| (s.borrow().as_ref().unwrap())([7; 32]));
				for n in 3..=2 + offchain::RESEND_AFTER as u64 {
					run_to_block(n);
					Predictions::offchain_worker(n);
				}
				let resent = drain();
				assert_eq!(resent.len(), 3, "three commitments sent again");
				include(if chain_takes_the_resend { resent } else { first });
				assert_eq!(Requests::<Test>::get(id).unwrap().commitments.len(), 3);
				// Reveals open: each worker reveals what it committed to, included a block later.
				next_block();
				next_block();
				let result = Predictions::result(id).expect("final");
				assert_eq!(result.output, expected());
				assert!(Workers::offences().is_empty());
			});
			TestCommitWindow::set(COMMIT_WINDOW);
		}
	}

	/// A worker's reveal misses the block in which the other two settle the request: its
	/// transaction went stale and the pool dropped it, so its nonce is still the chain's. The
	/// worker's next submission must take that nonce, not the one after (which would wait for
	/// a transaction that never comes while the worker misses everything in it).
	#[test]
	fn a_transaction_that_went_stale_does_not_hold_up_the_next() {
		three_worker_node().execute_with(|| {
			let drain = || POOL.with(|p| (p.borrow().as_ref().unwrap())());
			let signer = |tx: &Vec<u8>| match Extrinsic::decode(&mut &tx[..]).unwrap().preamble {
				Preamble::Signed(who, _, nonce) => (who, nonce),
				_ => panic!("signed"),
			};
			let id = request_undrawn();
			// Drawn; the three commit, included; reveals open and the three reveal.
			next_block();
			next_block();
			// The next request, drawn in the block the reveals go into.
			let next = request_undrawn();
			run_to_block(System::block_number() + 1);
			let reveals = drain();
			assert_eq!(reveals.len(), 3);
			// Only the first two reveals make the block; they settle the request.
			let (late_key, late_nonce) = signer(&reveals[2]);
			include(reveals[..2].to_vec());
			assert!(Predictions::result(id).is_some());
			// The late worker commits to the next request, one block after its reveal was sent
			// (far from looking lost), with the nonce the stale reveal left free.
			run_offchain_worker(System::block_number());
			let commits = drain();
			let late: Vec<u32> =
				commits.iter().map(signer).filter(|(who, _)| *who == late_key).map(|(_, n)| n).collect();
			assert_eq!(late, vec![late_nonce]);
			include(commits);
			assert_eq!(Requests::<Test>::get(next).unwrap().commitments.len(), 3);
		});
	}

	/// Attack: flood the workers with requests (refunded in full at expiry) so their off-chain
	/// workers cannot keep up and every miss is slashed. Three workers with their keys in the
	/// node, R = 3, Q = 2, a requester asking for twice what they can answer every block for 20
	/// blocks: the excess fails at submission, every accepted request is answered, and nobody is
	/// slashed.
	#[test]
	fn flooding_the_workers_slashes_nobody() {
		three_worker_node().execute_with(|| {
			let per_block = 2 * max_answers();
			let (mut accepted, mut refused) = (0u32, 0u32);
			for _ in 0..20 {
				for _ in 0..per_block {
					let input: BoundedVec<i8, _> = input().try_into().unwrap();
					match Predictions::request_prediction(RuntimeOrigin::signed(requester()), 0, input, FEE) {
						Ok(_) => accepted += 1,
						Err(e) => {
							assert_eq!(e.error, Error::<Test>::NetworkBusy.into());
							refused += 1;
						}
					}
				}
				next_block();
			}
			assert!(refused > 0 && accepted > 0, "accepted {accepted}, refused {refused}");
			// Let the last ones finish and expire.
			for _ in 0..10 {
				next_block();
			}
			assert!(Workers::offences().is_empty(), "honest workers slashed: {:?}", Workers::offences());
			let ready = events().iter().filter(|e| matches!(e, Event::PredictionReady { .. })).count() as u32;
			assert_eq!(ready, accepted, "every accepted request was answered");
			assert_eq!(Requests::<Test>::iter().count(), 0);
		});
	}

	/// Attack: thirty distinct large models assigned to one worker made its off-chain worker
	/// read and decode every blob before checking its budget, exhausting the runtime's heap, so
	/// it answered nothing. Their cost (blob length included) counts against the worker's
	/// capacity, which refuses what its off-chain budget could not pay for; the worker computes
	/// what it holds within one block's budget, cheap request included, one decoded model at a
	/// time.
	#[test]
	fn many_large_models_cannot_starve_a_cheap_request() {
		let mut env = env();
		let pool = env.pool.clone();
		env.ext.execute_with(|| {
			// Thirty distinct models of 200 KB each (a 128 × 1,500 dense layer): two fit the worker's
			// cost capacity (its off-chain budget over half the commit window).
			let large: Vec<modelchain_primitives::models::ModelId> = (0..30u32)
				.map(|i| {
					let weights = (0..128 * 1500).map(|k| ((k + i) % 251) as i8).collect();
					let model = modelchain_nn::Model {
						input: modelchain_nn::InputSpec { shape: vec![128], scale: 1, scale_shift: 0, zero_point: 0 },
						layers: vec![modelchain_nn::Layer::Dense(modelchain_nn::Dense {
							in_features: 128,
							out_features: 1500,
							weights,
							bias: vec![i as i32; 1500],
							input_zero_point: 0,
							output_zero_point: 0,
							requant: vec![modelchain_nn::Requant { multiplier: 1, shift: 8 }],
						})],
						output: modelchain_nn::OutputKind::Class,
					};
					Models::add(&owner(), model.encode_blob(), MODEL_FEE)
				})
				.collect();
			let summary = <Models as ModelRegistry<_>>::model(large[0]).unwrap();
			let large_cost = Predictions::task_cost(summary.cost, summary.blob_len);
			let budget = OffchainCostPerBlock::get();
			let (mut accepted, mut refused) = (0u32, 0u32);
			for model in &large {
				let input: BoundedVec<i8, _> = vec![1i8; 128].try_into().unwrap();
				match Predictions::request_prediction(RuntimeOrigin::signed(requester()), *model, input, u128::MAX) {
					Ok(_) => accepted += 1,
					Err(e) => {
						assert_eq!(e.error, Error::<Test>::NetworkBusy.into());
						refused += 1;
					}
				}
			}
			// What the worker holds fits its budget; the rest was refused at once.
			assert!(refused > 0 && accepted > 0, "accepted {accepted}, refused {refused}");
			assert!(u64::from(accepted) * large_cost <= Predictions::worker_cost_capacity());
			let cheap = request_undrawn();
			run_to_block(2);
			Predictions::offchain_worker(2);
			let txs = pool();
			assert_eq!(txs.len(), 1);
			let RuntimeCall::Predictions(Call::submit_predictions { answers }) = &txs[0].function else {
				unreachable!()
			};
			// Everything it holds, the cheap request included, in this block.
			assert!(answers.iter().any(|(id, _)| *id == cheap), "{answers:?}");
			assert_eq!(answers.len() as u32, (accepted + 1).min(max_answers()));
			// One decoded model at a time: each blob was read once.
			assert!(Models::loads() <= accepted + 1);
			assert!(budget >= Predictions::worker_cost_capacity());
		});
	}

	#[test]
	fn no_key_no_work() {
		let (offchain, _) = testing::TestOffchainExt::new();
		let (pool, pool_state) = testing::TestTransactionPoolExt::new();
		let mut ext = ExtBuilder::default().build();
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext.execute_with(|| {
			request();
			Predictions::offchain_worker(2);
		});
		assert!(pool_state.read().transactions.is_empty());
	}
}
