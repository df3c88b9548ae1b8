// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
	traits::{fungible::Inspect, Hooks},
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

fn request() -> RequestId {
	let id = NextRequestId::<Test>::get();
	assert_ok!(Predictions::request_prediction(
		RuntimeOrigin::signed(requester()),
		0,
		input().try_into().unwrap(),
		FEE
	));
	id
}

/// `worker` answers, signed by its worker key as its off-chain worker would.
fn answer(worker: &AccountId, id: RequestId, p: P) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Predictions::submit_predictions(RuntimeOrigin::signed(key_of(worker)), vec![(id, p)].try_into().unwrap())
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
fn request_holds_the_fee_and_assigns_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		assert_eq!(id, 0);
		assert_eq!(Predictions::held_for(&requester()), FEE);
		assert_eq!(Balances::free_balance(requester()), INITIAL_BALANCE - FEE);
		let req = Requests::<Test>::get(id).unwrap();
		assert_eq!(req.workers.to_vec(), workers().to_vec());
		assert_eq!(req.deadline, 1 + ANSWER_WINDOW);
		assert_eq!((req.model_fee, req.worker_fee, req.held, req.quorum), (MODEL_FEE, WORKER_FEE, FEE, 2));
		for w in workers() {
			assert!(Assignments::<Test>::contains_key(&w, id));
			assert_eq!(Predictions::assignments(w), vec![id]);
		}
		// The draw seed is the parent hash mixed with the id, not something the caller passed.
		assert_eq!(Workers::seeds(), vec![Predictions::seed(0)]);
		assert_eq!(
			events(),
			vec![Event::PredictionRequested {
				request: 0,
				requester: requester(),
				model: 0,
				workers: workers().to_vec(),
				fee: FEE,
				deadline: 1 + ANSWER_WINDOW,
			}]
		);
		assert_eq!(NextRequestId::<Test>::get(), 1);
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
		Workers::chill(&workers()[0]);
		assert_noop!(Predictions::request_prediction(origin(), 0, good.clone(), FEE), Error::<Test>::NotEnoughWorkers);
		Params::<Test>::kill();
		assert_noop!(Predictions::request_prediction(origin(), 0, good, FEE), Error::<Test>::NoParameters);
	});
}

#[test]
fn quorum_pays_owner_and_agreeing_workers_exactly() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		let id = request();
		let [w1, w2, w3] = workers();
		assert_ok!(answer(&w1, id, expected()));
		// One answer is not a quorum of two: nothing is paid yet.
		assert!(Requests::<Test>::contains_key(id));
		assert_eq!(balance(&owner()), INITIAL_BALANCE);
		assert!(!Assignments::<Test>::contains_key(&w1, id));

		let post = answer(&w2, id, expected()).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		// Charged for this request's three workers, not for `MaxRedundancy`.
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::submit_predictions(1, 3)));
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
		assert_noop!(answer(&w3, id, expected()), Error::<Test>::RequestNotOpen);

		let result = Predictions::result(id).unwrap();
		assert_eq!(result.output, expected());
		assert_eq!(result.input.to_vec(), input());
		assert_eq!(result.agreeing.to_vec(), vec![w1.clone(), w2.clone()]);
		assert_eq!(result.finalized_at, 1);
		assert!(events().contains(&Event::PredictionReady {
			request: id,
			model: 0,
			output: expected(),
			agreeing: vec![w1.clone(), w2.clone()],
		}));
		assert_eq!(
			Workers::outcomes(),
			vec![
				(w1.clone(), TaskOutcome::Done),
				(w2.clone(), TaskOutcome::Done),
				(w1, TaskOutcome::Agreed),
				(w2, TaskOutcome::Agreed)
			]
		);
		assert!(Workers::offences().is_empty());
	});
}

#[test]
fn a_differing_answer_is_slashed_when_quorum_forms() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		assert_ok!(answer(&w1, id, expected()));
		assert_ok!(answer(&w2, id, wrong()));
		assert_ok!(answer(&w3, id, expected()));
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

#[test]
fn no_quorum_among_all_answers_refunds_without_slashing() {
	ExtBuilder::default().params(3, 2).build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		assert_ok!(answer(&w1, id, Prediction::Class(1)));
		assert_ok!(answer(&w2, id, Prediction::Class(2)));
		assert_ok!(answer(&w3, id, Prediction::Class(3)));
		assert!(!Requests::<Test>::contains_key(id));
		assert!(Predictions::result(id).is_none());
		assert_eq!(balance(&requester()), INITIAL_BALANCE);
		assert_eq!(Predictions::held_for(&requester()), 0);
		assert!(Workers::offences().is_empty());
		assert!(events().contains(&Event::PredictionFailed { request: id, missed: vec![] }));
	});
}

#[test]
fn deadline_refunds_and_penalizes_silent_workers() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, w2, w3] = workers();
		assert_ok!(answer(&w1, id, expected()));
		run_to_block(1 + ANSWER_WINDOW);
		// The deadline block itself still accepts answers.
		assert!(Requests::<Test>::contains_key(id));
		run_to_block(2 + ANSWER_WINDOW);
		assert!(!Requests::<Test>::contains_key(id));
		assert_eq!(balance(&requester()), INITIAL_BALANCE);
		assert_eq!(
			reported(),
			vec![
				(w2.clone(), Perbill::from_percent(1), OffenceKind::MissedTask, None, None),
				(w3.clone(), Perbill::from_percent(1), OffenceKind::MissedTask, None, None),
			]
		);
		assert!(Workers::outcomes().contains(&(w2.clone(), TaskOutcome::Missed)));
		assert!(events().contains(&Event::PredictionFailed { request: id, missed: vec![w2, w3] }));
		assert_eq!(Assignments::<Test>::iter().count(), 0);
		// Too late now.
		assert_noop!(answer(&w1, id, expected()), Error::<Test>::RequestNotOpen);
	});
}

#[test]
fn late_answers_are_rejected_before_expiry_runs() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		// Same block as the expiry, before `on_initialize` (e.g. pool validation).
		System::set_block_number(2 + ANSWER_WINDOW);
		assert_noop!(answer(&workers()[0], id, expected()), Error::<Test>::TooLate);
	});
}

#[test]
fn retired_model_spares_silent_workers() {
	ExtBuilder::default().build_and_execute(|| {
		request();
		Models::retire(0);
		run_to_block(2 + ANSWER_WINDOW);
		assert!(Workers::offences().is_empty());
		assert_eq!(balance(&requester()), INITIAL_BALANCE);
	});
}

#[test]
fn submission_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		let [w1, _, _] = workers();
		// A signer that is nobody's worker key.
		assert_noop!(
			Predictions::submit_predictions(
				RuntimeOrigin::signed(w1.clone()),
				vec![(id, expected())].try_into().unwrap()
			),
			Error::<Test>::NotAWorkerKey
		);
		// A worker that was not drawn.
		Workers::add_worker(&acc(5), STAKE);
		Workers::set_key(&acc(5), &acc(15));
		assert_noop!(answer(&acc(5), id, expected()), Error::<Test>::NotAssigned);
		assert_noop!(answer(&w1, 42, expected()), Error::<Test>::RequestNotOpen);
		assert_noop!(answer(&w1, id, Prediction::Class(10)), Error::<Test>::MalformedAnswer);
		assert_noop!(
			answer(&w1, id, Prediction::Regression(vec![1; 10].try_into().unwrap())),
			Error::<Test>::MalformedAnswer
		);
		assert_noop!(
			Predictions::submit_predictions(RuntimeOrigin::signed(key_of(&w1)), BoundedVec::new()),
			Error::<Test>::EmptySubmission
		);
		assert_noop!(
			Predictions::submit_predictions(
				RuntimeOrigin::signed(key_of(&w1)),
				vec![(id, expected()), (id, expected())].try_into().unwrap()
			),
			Error::<Test>::DuplicateInSubmission
		);
		assert_ok!(answer(&w1, id, expected()));
		// Answering twice: the assignment is used up.
		assert_noop!(answer(&w1, id, expected()), Error::<Test>::NotAssigned);
	});
}

#[test]
fn a_mixed_submission_keeps_the_good_answers_and_pays_its_fee() {
	ExtBuilder::default().build_and_execute(|| {
		let a = request();
		let b = request();
		let w1 = workers()[0].clone();
		let post = Predictions::submit_predictions(
			RuntimeOrigin::signed(key_of(&w1)),
			vec![(a, expected()), (b, Prediction::Class(99))].try_into().unwrap(),
		)
		.unwrap();
		assert_eq!(post.pays_fee, Pays::Yes);
		assert_eq!(Requests::<Test>::get(a).unwrap().answers.len(), 1);
		assert!(Requests::<Test>::get(b).unwrap().answers.is_empty());
		assert!(events().contains(&Event::AnswerRejected {
			request: b,
			worker: w1,
			reason: AnswerError::MalformedAnswer
		}));
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
		assert_ok!(answer(&w1, id, expected()));
		assert_ok!(answer(&w2, id, expected()));
		// Anyone may challenge, staked or not: the deposit is the price.
		assert_ok!(Predictions::challenge(RuntimeOrigin::signed(acc(5)), id));
		assert_eq!(Workers::deposits_settled(), vec![(acc(5), false)]);
		assert!(Workers::deposits_held().is_empty());
		assert!(reported().is_empty());
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
		assert_ok!(answer(&w3, id, expected()));
		assert_ok!(answer(&w1, id, wrong()));
		assert_ok!(answer(&w2, id, wrong()));
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
		assert_ok!(answer(&workers()[0], id, expected()));
		assert_ok!(answer(&workers()[1], id, expected()));
		Workers::set_deposit_error(Some(DispatchError::Other("broke")));
		assert_noop!(
			Predictions::challenge(RuntimeOrigin::signed(acc(5)), id),
			Error::<Test>::CannotPayChallengeDeposit
		);
		Workers::set_deposit_error(None);
		Models::retire(0);
		assert_noop!(Predictions::challenge(RuntimeOrigin::signed(w3.clone()), id), Error::<Test>::ModelUnavailable);
		run_to_block(1 + CHALLENGE_WINDOW + 1);
		assert_noop!(Predictions::challenge(RuntimeOrigin::signed(w3), id), Error::<Test>::ChallengeWindowClosed);
		assert!(Workers::deposits_held().is_empty());
	});
}

#[test]
fn challenge_weight_covers_the_largest_model_and_refunds_to_the_actual_one() {
	ExtBuilder::default().build_and_execute(|| {
		let id = request();
		assert_ok!(answer(&workers()[0], id, expected()));
		assert_ok!(answer(&workers()[1], id, expected()));
		let call = Call::<Test>::challenge { request: id };
		let declared = call.get_dispatch_info().call_weight;
		let post = Predictions::challenge(RuntimeOrigin::signed(workers()[2].clone()), id).unwrap();
		let actual = post.actual_weight.unwrap();
		// Proof size is the blob bound either way; the compute part is refunded.
		assert!(actual.all_lte(declared) && actual.ref_time() < declared.ref_time(), "{actual:?} < {declared:?}");
		let summary = <Models as ModelRegistry<_>>::model(0).unwrap();
		// Two agreeing workers, no dissenter.
		assert_eq!(actual, <() as WeightInfo>::challenge(3) + Predictions::challenge_settlement_weight(2));
		assert_eq!(
			declared,
			Predictions::max_challenge_weight(),
			"declared for the largest model and MaxRedundancy workers"
		);
		assert_eq!(Predictions::challenge_component(summary.blob_len, summary.cost), 3);
	});
}

#[test]
fn results_are_pruned_after_retention_a_bounded_number_per_block() {
	ExtBuilder::default().params(1, 1).build_and_execute(|| {
		let ids: Vec<_> = (0..5).map(|_| request()).collect();
		for id in &ids {
			assert_ok!(answer(&workers()[0], *id, expected()));
		}
		run_to_block(1 + RETENTION - 1);
		assert_eq!(Results::<Test>::iter().count(), 5);
		run_to_block(1 + RETENTION);
		// MaxQueueWorkPerBlock is 3.
		assert_eq!(Results::<Test>::iter().count(), 2);
		run_to_block(2 + RETENTION);
		assert_eq!(Results::<Test>::iter().count(), 0);
		assert!(events().contains(&Event::ResultPruned { request: 4 }));
		assert!(Predictions::result(0).is_none());
	});
}

#[test]
fn expiry_work_per_block_is_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		for _ in 0..5 {
			request();
		}
		run_to_block(2 + ANSWER_WINDOW);
		assert_eq!(Requests::<Test>::iter().count(), 2);
		run_to_block(3 + ANSWER_WINDOW);
		assert_eq!(Requests::<Test>::iter().count(), 0);
		assert_eq!(balance(&requester()), INITIAL_BALANCE);
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

	fn submit(answers: Vec<(RequestId, P)>) -> RuntimeCall {
		RuntimeCall::Predictions(Call::submit_predictions { answers: answers.try_into().unwrap() })
	}

	#[test]
	fn valid_answers_provide_one_tag_per_request() {
		ExtBuilder::default().build_and_execute(|| {
			let a = request();
			let b = request();
			let w1 = workers()[0].clone();
			let valid = validate(&key_of(&w1), submit(vec![(a, expected()), (b, expected())])).unwrap();
			assert_eq!(valid.provides, vec![extension::answer_tag(&w1, a), extension::answer_tag(&w1, b)]);
			assert_eq!(valid.priority, AnswerPriority::get());
			// Valid through the deadline block.
			assert_eq!(valid.longevity, ANSWER_WINDOW + 1);
			// Another worker's answer to the same request has a different tag.
			let other = validate(&key_of(&workers()[1]), submit(vec![(a, expected())])).unwrap();
			assert_ne!(other.provides[0], valid.provides[0]);
		});
	}

	#[test]
	fn unassigned_duplicate_late_and_malformed_answers_are_invalid() {
		ExtBuilder::default().build_and_execute(|| {
			let id = request();
			let w1 = key_of(&workers()[0]);
			let custom = |e: AnswerError| Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(e as u8)));
			assert_eq!(validate(&acc(5), submit(vec![(id, expected())])), custom(AnswerError::NotAWorkerKey));
			// The stash itself does not sign answers.
			assert_eq!(validate(&workers()[0], submit(vec![(id, expected())])), custom(AnswerError::NotAWorkerKey));
			Workers::add_worker(&acc(5), STAKE);
			Workers::set_key(&acc(5), &acc(15));
			assert_eq!(validate(&acc(15), submit(vec![(id, expected())])), custom(AnswerError::NotAssigned));
			assert_eq!(validate(&w1, submit(vec![(9, expected())])), custom(AnswerError::RequestNotOpen));
			assert_eq!(validate(&w1, submit(vec![(id, Prediction::Class(10))])), custom(AnswerError::MalformedAnswer));
			assert_eq!(validate(&w1, submit(vec![])), custom(AnswerError::EmptySubmission));
			assert_eq!(
				validate(&w1, submit(vec![(id, expected()), (id, expected())])),
				custom(AnswerError::DuplicateInSubmission)
			);
			assert_ok!(answer(&workers()[0], id, expected()));
			assert_eq!(validate(&w1, submit(vec![(id, expected())])), custom(AnswerError::NotAssigned));
			System::set_block_number(2 + ANSWER_WINDOW);
			assert_eq!(validate(&key_of(&workers()[1]), submit(vec![(id, expected())])), custom(AnswerError::TooLate));
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
	use codec::Decode;
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
	}

	/// A node whose keystore holds one worker key (`Env::worker`), the key of the only worker
	/// `acc(11)` in the mock registry (redundancy and quorum 1).
	fn env() -> Env {
		let (offchain, _state) = testing::TestOffchainExt::new();
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
		Env { ext, pool: Arc::new(pool), worker }
	}

	fn pooled(env: &Env) -> Vec<Extrinsic> {
		(env.pool)()
	}

	#[test]
	fn worker_answers_its_assignment_with_the_engine_output() {
		let mut env = env();
		let worker = env.worker.clone();
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(1);
		});
		let txs = pooled(&env);
		assert_eq!(txs.len(), 1);
		let tx = &txs[0];
		// Signed by the worker key: the signature over the call verifies against the key's account.
		let Preamble::Signed(who, signature, ()) = &tx.preamble else { panic!("a signed transaction") };
		assert_eq!(*who, worker);
		assert!(signature.verify(&codec::Encode::encode(&tx.function)[..], &worker));
		assert_eq!(
			tx.function,
			RuntimeCall::Predictions(Call::submit_predictions { answers: vec![(0, expected())].try_into().unwrap() })
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

	#[test]
	fn a_second_run_in_the_same_block_submits_nothing() {
		let mut env = env();
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(1);
			Predictions::offchain_worker(1);
		});
		assert_eq!(pooled(&env).len(), 1);
	}

	#[test]
	fn sent_answers_wait_before_being_resent() {
		let mut env = env();
		env.ext.execute_with(|| {
			request();
			Predictions::offchain_worker(1);
			// The transaction was dropped: nothing for RESEND_AFTER blocks, then again.
			System::set_block_number(2);
			Predictions::offchain_worker(2);
		});
		assert_eq!(pooled(&env).len(), 1);
		env.ext.execute_with(|| {
			let at = 1 + offchain::RESEND_AFTER as u64;
			System::set_block_number(at);
			Predictions::offchain_worker(at);
		});
		// Past the deadline of request 0 (1 + 5): nothing owed any more.
		assert_eq!(pooled(&env).len(), 1);
	}

	#[test]
	fn an_unassigned_key_submits_nothing() {
		let mut env = env();
		env.ext.execute_with(|| {
			// Assign someone else.
			Workers::add_worker(&acc(12), STAKE);
			Workers::set_selection(Some(vec![acc(12)]));
			request();
			Predictions::offchain_worker(1);
		});
		assert!(pooled(&env).is_empty());
	}

	#[test]
	fn work_per_block_is_bounded_by_cost() {
		let mut env = env();
		let pool = env.pool.clone();
		env.ext.execute_with(|| {
			let cost = <Models as ModelRegistry<_>>::model(0).unwrap().cost;
			OffchainCostPerBlock::set(cost * 2);
			for _ in 0..3 {
				request();
			}
			Predictions::offchain_worker(1);
			let txs = pool();
			assert_eq!(txs.len(), 1);
			let RuntimeCall::Predictions(Call::submit_predictions { answers }) = &txs[0].function else {
				unreachable!()
			};
			assert_eq!(answers.len(), 2);
			// The rest next block.
			System::set_block_number(2);
			Predictions::offchain_worker(2);
			assert_eq!(pool().len(), 2);
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
			Predictions::offchain_worker(1);
		});
		assert!(pool_state.read().transactions.is_empty());
	}
}
