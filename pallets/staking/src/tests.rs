//! Tests against the mock runtime. `build_and_execute` runs `do_try_state` after every test.

// Test code: overflow in a test is a failing test, not a chain halt.
#![allow(clippy::arithmetic_side_effects)]

use crate::{mock::*, Error, Event, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{hold::Inspect as _, Inspect as _},
		Hooks,
	},
};
use polkadot_sdk::{frame_support, sp_runtime::DispatchError};

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Staking.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::balance(&who)
}

fn ledger(who: AccountId) -> StakingLedger<Test> {
	Ledger::<Test>::get(who).expect("bonded")
}

fn chunks(who: AccountId) -> Vec<(Balance, BlockNumber)> {
	ledger(who).unbonding.iter().map(|c| (c.value, c.unlock_at)).collect()
}

fn bond(who: AccountId, value: Balance) {
	assert_ok!(Staking::bond(RuntimeOrigin::signed(who), value));
}

fn set_key(who: AccountId) {
	assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(who), key(who)));
}

fn bond_and_register(who: AccountId, value: Balance) {
	bond(who, value);
	set_key(who);
	assert_ok!(Staking::register_worker(RuntimeOrigin::signed(who)));
}

/// Runs past the activation delay of workers registered now.
fn activate() {
	run_to_block(System::block_number() + ACTIVATION_DELAY);
}

fn task(id: u64) -> TaskRef {
	TaskRef { domain: *b"test", id }
}

/// Reports an offence as the market pallets do: liveness kinds without a task, the others
/// in task 0 with no reporter.
fn report(who: AccountId, percent: u32, kind: OffenceKind) -> Result<Balance, DispatchError> {
	let task = (!kind.is_liveness()).then(|| task(0));
	report_in(who, Perbill::from_percent(percent), kind, task, None)
}

fn report_in(
	who: AccountId,
	severity: Perbill,
	kind: OffenceKind,
	task: Option<TaskRef>,
	reporter: Option<AccountId>,
) -> Result<Balance, DispatchError> {
	<Staking as WorkerRegistry<AccountId>>::report_offence(OffenceReport {
		offender: who,
		kind,
		severity,
		task,
		reporter,
	})
}

/// Runs to the block in which a span opened now (and not postponed) is applied.
fn run_past_deferral() {
	run_to_block(System::block_number() + DEFER);
}

fn last_event() -> Event<Test> {
	staking_events().pop().expect("an event")
}

mod bonding {
	use super::*;

	#[test]
	fn bond_holds_the_stake() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_eq!(held(1), 1_000);
			assert_eq!(free(1), INITIAL_BALANCE - 1_000);
			assert_eq!(Balances::total_balance(&1), INITIAL_BALANCE);
			assert_eq!(ledger(1), StakingLedger::new(1_000));
			assert_eq!(TotalStaked::<Test>::get(), 1_000);
			assert_eq!(last_event(), Event::Bonded { who: 1, amount: 1_000 });
		});
	}

	#[test]
	fn bond_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::bond(RuntimeOrigin::signed(1), MIN_BOND - 1), Error::<Test>::BelowMinBond);
			assert_noop!(Staking::bond(RuntimeOrigin::signed(1), 0), Error::<Test>::BelowMinBond);
			// The existential deposit must stay free.
			assert_noop!(Staking::bond(RuntimeOrigin::signed(1), INITIAL_BALANCE), Error::<Test>::InsufficientBalance);
			assert_noop!(Staking::bond(RuntimeOrigin::signed(42), MIN_BOND), Error::<Test>::InsufficientBalance);
			bond(1, INITIAL_BALANCE - 1);
			bond(2, 100);
			assert_noop!(Staking::bond(RuntimeOrigin::signed(2), 100), Error::<Test>::AlreadyBonded);
			assert_noop!(Staking::bond(RuntimeOrigin::none(), 100), DispatchError::BadOrigin);
		});
	}

	#[test]
	fn bond_extra_adds_to_active() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 100);
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 50));
			assert_eq!(ledger(1).active, 150);
			assert_eq!(held(1), 150);
			assert_eq!(TotalStaked::<Test>::get(), 150);
			assert_eq!(last_event(), Event::Bonded { who: 1, amount: 50 });
		});
	}

	#[test]
	fn bond_extra_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 10), Error::<Test>::NotBonded);
			bond(1, 100);
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
			assert_noop!(
				Staking::bond_extra(RuntimeOrigin::signed(1), INITIAL_BALANCE - 100),
				Error::<Test>::InsufficientBalance
			);
			// A slash leaves 5 active, below MinBond: a top-up must restore the minimum.
			assert_ok!(report(1, 95, OffenceKind::WrongAnswer));
			run_past_deferral();
			assert_eq!(ledger(1).active, 5);
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 4), Error::<Test>::BelowMinBond);
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 5));
			assert_eq!(ledger(1).active, MIN_BOND);
		});
	}
}

mod unbonding {
	use super::*;

	#[test]
	fn unbond_creates_and_merges_chunks() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 100));
			assert_eq!(last_event(), Event::Unbonded { who: 1, amount: 100, unlock_at: 1 + UNBONDING_PERIOD });
			// Same block, same unlock block: one chunk.
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 50));
			assert_eq!(chunks(1), vec![(150, 21)]);
			run_to_block(2);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 10));
			assert_eq!(chunks(1), vec![(150, 21), (10, 22)]);
			assert_eq!(ledger(1).active, 840);
			// Unbonding keeps everything held and counted.
			assert_eq!(held(1), 1_000);
			assert_eq!(TotalStaked::<Test>::get(), 1_000);
			assert_eq!(Staking::stake_of(&1), 1_000);
			// Unbonding everything is allowed.
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 840));
			assert_eq!(ledger(1).active, 0);
		});
	}

	#[test]
	fn unbond_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 10), Error::<Test>::NotBonded);
			bond(1, 100);
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 101), Error::<Test>::InsufficientActiveBond);
			// 95 would leave 5, a non-zero bond below MinBond.
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 95), Error::<Test>::BelowMinBond);

			set_key(1);
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 1), Error::<Test>::ChillBeforeUnbonding);
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 100));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 100));

			// MaxUnbondingChunks = 3: a fourth unlock block does not fit.
			run_to_block(2);
			assert_ok!(Staking::chill(RuntimeOrigin::signed(1)));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 10));
			run_to_block(3);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 10));
			run_to_block(4);
			assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 10), Error::<Test>::TooManyUnbondingChunks);
		});
	}

	#[test]
	fn a_full_chunk_list_still_merges_in_the_same_block() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			for block in 1..=3 {
				run_to_block(block);
				assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 10));
			}
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 10));
			assert_eq!(chunks(1), vec![(10, 21), (10, 22), (20, 23)]);
		});
	}

	#[test]
	fn withdraw_after_unlock() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 300));
			run_to_block(5);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 200));
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::NothingToWithdraw);
			run_to_block(20);
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::NothingToWithdraw);
			// The unlock block itself releases the chunk.
			run_to_block(21);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(last_event(), Event::Withdrawn { who: 1, amount: 300 });
			assert_eq!(held(1), 700);
			assert_eq!(free(1), INITIAL_BALANCE - 700);
			assert_eq!(chunks(1), vec![(200, 25)]);
			assert_eq!(TotalStaked::<Test>::get(), 700);
		});
	}

	#[test]
	fn withdrawing_everything_removes_the_ledger() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			run_to_block(21);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert!(Ledger::<Test>::get(1).is_none());
			assert_eq!(held(1), 0);
			assert_eq!(free(1), INITIAL_BALANCE);
			assert_eq!(TotalStaked::<Test>::get(), 0);
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::NotBonded);
			// And the account can bond afresh.
			bond(1, 50);
		});
	}

	#[test]
	fn withdraw_is_refused_while_a_slash_is_pending() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			run_to_block(18);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			run_to_block(21);
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::PendingSlash);
			run_to_block(23);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(free(1), INITIAL_BALANCE - 100);
			assert!(Ledger::<Test>::get(1).is_none());
		});
	}
}

mod workers {
	use super::*;

	#[test]
	fn register_and_chill() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, MIN_WORKER_BOND);
			set_key(1);
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			let drawable_from = 1 + ACTIVATION_DELAY;
			assert_eq!(last_event(), Event::WorkerRegistered { who: 1, drawable_from });
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![(1, drawable_from)]);
			assert_eq!(Workers::<Test>::get(1), Some(WorkerInfo { registered_at: 1, drawable_from }));
			assert_eq!(WorkerRecords::<Test>::get(1), Some(WorkerRecord::default()));
			assert!(<Staking as WorkerRegistry<AccountId>>::is_active_worker(&1));
			// Registered, but not drawable before the activation delay has passed.
			assert_eq!(<Staking as WorkerRegistry<AccountId>>::active_worker_count(), 0);
			run_to_block(drawable_from);
			assert_eq!(<Staking as WorkerRegistry<AccountId>>::active_worker_count(), 1);

			assert_ok!(Staking::chill(RuntimeOrigin::signed(1)));
			assert_eq!(last_event(), Event::Chilled { who: 1 });
			assert!(ActiveWorkers::<Test>::get().is_empty());
			assert!(!<Staking as WorkerRegistry<AccountId>>::is_active_worker(&1));
			// Still bonded, record kept.
			assert_eq!(held(1), MIN_WORKER_BOND);
			assert!(WorkerRecords::<Test>::contains_key(1));
			// Chilled workers can unbond.
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), MIN_WORKER_BOND));
		});
	}

	#[test]
	fn chill_keeps_registration_order() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=4 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			assert_ok!(Staking::chill(RuntimeOrigin::signed(2)));
			let order: Vec<AccountId> = ActiveWorkers::<Test>::get().into_iter().map(|(w, _)| w).collect();
			assert_eq!(order, vec![1, 3, 4]);
		});
	}

	#[test]
	fn register_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::NotBonded);
			bond(1, MIN_WORKER_BOND - 1);
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::BelowMinWorkerBond);
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 1));
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::NoWorkerKey);
			set_key(1);
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::AlreadyWorker);
			// MaxWorkers = 10.
			for who in 2..=10 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			bond(11, MIN_WORKER_BOND);
			set_key(11);
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(11)), Error::<Test>::TooManyWorkers);
		});
	}

	#[test]
	fn chill_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::chill(RuntimeOrigin::signed(1)), Error::<Test>::NotWorker);
			bond(1, MIN_WORKER_BOND);
			assert_noop!(Staking::chill(RuntimeOrigin::signed(1)), Error::<Test>::NotWorker);
		});
	}

	#[test]
	fn genesis_workers_are_bonded_and_registered() {
		ExtBuilder::default().workers(&[(1, 500), (2, 100)]).build_and_execute(|| {
			// Drawable from genesis: nobody could predict a draw before the chain existed.
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![(1, 0), (2, 0)]);
			assert_eq!(held(1), 500);
			assert_eq!(held(2), 100);
			assert_eq!(TotalStaked::<Test>::get(), 600);
			assert_eq!(Workers::<Test>::get(1), Some(WorkerInfo { registered_at: 0, drawable_from: 0 }));
			assert_eq!(WorkerKeys::<Test>::get(1), Some(key(1)));
			assert_eq!(KeyOwner::<Test>::get(key(2)), Some(2));
			assert_eq!(<Staking as WorkerRegistry<AccountId>>::active_worker_count(), 2);
		});
	}

	#[test]
	#[should_panic(expected = "below MinWorkerBond")]
	fn genesis_rejects_a_small_bond() {
		ExtBuilder::default().workers(&[(1, MIN_WORKER_BOND - 1)]).build();
	}

	#[test]
	#[should_panic(expected = "cannot bond")]
	fn genesis_rejects_a_duplicate_worker() {
		ExtBuilder::default().workers(&[(1, 100), (1, 100)]).build();
	}

	#[test]
	fn records_count_outcomes() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			for outcome in [
				TaskOutcome::Done,
				TaskOutcome::Done,
				TaskOutcome::Agreed,
				TaskOutcome::Disagreed,
				TaskOutcome::Missed,
				TaskOutcome::Done,
			] {
				<Staking as WorkerRegistry<AccountId>>::record_outcome(&1, outcome);
			}
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			run_past_deferral();
			let expected = WorkerRecord {
				tasks_done: 3,
				agreed: 1,
				disagreed: 1,
				missed: 1,
				consecutive_missed: 0,
				offences: 1,
				total_slashed: 100,
			};
			assert_eq!(WorkerRecords::<Test>::get(1), Some(expected));
			// The record outlives registration (the wrong answer chilled it) and the stake.
			assert!(!Workers::<Test>::contains_key(1));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 900));
			run_to_block(System::block_number() + UNBONDING_PERIOD);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert!(Ledger::<Test>::get(1).is_none());
			assert_eq!(WorkerRecords::<Test>::get(1), Some(expected));
			// Accounts that never registered get no record.
			<Staking as WorkerRegistry<AccountId>>::record_outcome(&2, TaskOutcome::Done);
			assert!(WorkerRecords::<Test>::get(2).is_none());
		});
	}

	#[test]
	fn registry_views() {
		ExtBuilder::default().build_and_execute(|| {
			type Registry = Staking;
			bond_and_register(1, 300);
			bond(2, 50);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 100));
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::stake_of(&1), 300);
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::stake_of(&2), 50);
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::stake_of(&3), 0);
			assert!(<Registry as WorkerRegistry<AccountId>>::is_active_worker(&1));
			assert!(!<Registry as WorkerRegistry<AccountId>>::is_active_worker(&2));
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::longest_offence_window(), OFFENCE_WINDOW as u32);
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::slash_defer_duration(), DEFER as u32);
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::worker_of_key(&key(1)), Some(1));
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::key_of_worker(&1), Some(key(1)));
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::worker_of_key(&1), None);
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::challenge_deposit(), CHALLENGE_DEPOSIT);
		});
	}
}

mod selection_tests {
	use super::*;
	use std::collections::BTreeSet;

	fn seed(i: u32) -> [u8; 32] {
		polkadot_sdk::sp_io::hashing::blake2_256(&i.to_le_bytes())
	}

	#[test]
	fn selects_distinct_workers_deterministically() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=6 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			activate();
			for i in 0..100 {
				let picked = Staking::select_workers(seed(i), 4).unwrap();
				assert_eq!(picked.len(), 4);
				assert_eq!(picked.iter().collect::<BTreeSet<_>>().len(), 4);
				assert!(picked.iter().all(|w| (1..=6).contains(w)));
				assert_eq!(<Staking as WorkerRegistry<AccountId>>::select_workers(seed(i), 4).unwrap(), picked);
			}
			assert_eq!(Staking::select_workers(seed(0), 0).unwrap(), Vec::<AccountId>::new());
		});
	}

	#[test]
	fn a_filtered_draw_takes_only_eligible_drawable_workers_within_its_budget() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=6 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			activate();
			// Worker 7 registers now: not drawable before its activation delay, whatever the filter.
			bond_and_register(7, MIN_WORKER_BOND);
			for i in 0..100 {
				let picked = Staking::select_workers_where(seed(i), 2, 6, |w| *w % 2 == 1).unwrap();
				assert_eq!(picked.len(), 2);
				assert!(picked.iter().all(|w| [1, 3, 5].contains(w)), "{picked:?}");
				// Everyone eligible: the plain draw.
				assert_eq!(Staking::select_workers_where(seed(i), 3, 6, |_| true), Staking::select_workers(seed(i), 3));
			}
			assert_noop!(
				Staking::select_workers_where(seed(0), 4, 6, |w| *w % 2 == 1),
				Error::<Test>::NotEnoughWorkers
			);
			// The budget bounds how many workers the check runs on.
			let mut checked = 0;
			let _ = Staking::select_workers_where(seed(0), 2, 3, |_| {
				checked += 1;
				false
			});
			assert_eq!(checked, 3);
		});
	}

	#[test]
	fn chilled_workers_are_not_selected() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=4 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			activate();
			assert_ok!(Staking::chill(RuntimeOrigin::signed(3)));
			for i in 0..50 {
				assert!(!Staking::select_workers(seed(i), 3).unwrap().contains(&3));
			}
		});
	}

	#[test]
	fn not_enough_workers() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::select_workers(seed(0), 1), Error::<Test>::NotEnoughWorkers);
			bond_and_register(1, MIN_WORKER_BOND);
			bond_and_register(2, MIN_WORKER_BOND);
			bond(3, MIN_WORKER_BOND);
			assert_noop!(Staking::select_workers(seed(0), 2), Error::<Test>::NotEnoughWorkers);
			activate();
			assert_noop!(Staking::select_workers(seed(0), 3), Error::<Test>::NotEnoughWorkers);
			assert_ok!(Staking::select_workers(seed(0), 2));
		});
	}

	#[test]
	fn roughly_uniform_and_not_stake_weighted() {
		ExtBuilder::default().build_and_execute(|| {
			// Worker 1 has fifty times the stake of the others and still gets a fair share only.
			bond_and_register(1, 5_000);
			for who in 2..=5 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			activate();
			let mut seats = [0u32; 6];
			for i in 0..10_000 {
				for who in Staking::select_workers(seed(i), 2).unwrap() {
					seats[who as usize] += 1;
				}
			}
			// Each worker expects 4_000 seats (standard deviation 49).
			for who in 1..=5 {
				assert!((3_700..=4_300).contains(&seats[who]), "{seats:?}");
			}
		});
	}
}

mod slashing_tests {
	use super::*;

	/// `(who, amount, reward)` of every applied span so far.
	fn applied() -> Vec<(AccountId, Balance, Balance)> {
		staking_events()
			.into_iter()
			.filter_map(|e| match e {
				Event::SlashApplied { who, amount, reward } => Some((who, amount, reward)),
				_ => None,
			})
			.collect()
	}

	fn span(who: AccountId) -> SpanSlash<Test> {
		UnappliedSlashes::<Test>::get(who).expect("a pending span")
	}

	#[test]
	fn a_span_is_computed_at_report_and_applied_after_the_deferral() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 200));
			assert_eq!(report(1, 10, OffenceKind::WrongAnswer), Ok(100));
			assert!(staking_events().contains(&Event::OffenceReported {
				who: 1,
				reason: OffenceKind::WrongAnswer,
				severity: Perbill::from_percent(10),
				task: Some(task(0)),
				span_amount: 100,
				apply_at: 6,
			}));
			let s = span(1);
			assert_eq!((s.opened_at, s.apply_at, s.stake, s.amount, s.reports), (1, 6, 1_000, 100, 1));
			assert_eq!(s.tracked.len(), 1);
			assert_eq!(held(1), 1_000);
			run_to_block(5);
			assert_eq!(held(1), 1_000);
			run_to_block(6);
			// 800 active and 200 unbonding lose 80 and 20.
			assert_eq!(held(1), 900);
			assert_eq!(ledger(1).active, 720);
			assert_eq!(chunks(1), vec![(180, 21)]);
			assert!(UnappliedSlashes::<Test>::get(1).is_none());
			assert!(SlashQueueOf::<Test>::is_empty());
			assert_eq!(free(SLASH_POT), 1 + 100);
			assert_eq!(SlashedTotal::get(), 100);
			assert_eq!(TotalStaked::<Test>::get(), 900);
			assert_eq!(applied(), vec![(1, 100, 0)]);
		});
	}

	#[test]
	fn a_span_pays_the_largest_severity_per_kind_not_the_sum() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			// An hour offline reports a miss a block: the span takes one miss.
			for _ in 0..50 {
				assert_eq!(report(1, 1, OffenceKind::MissedTask), Ok(10));
			}
			// Liveness kinds add up to at most the 2 % cap.
			assert_eq!(report(1, 5, OffenceKind::Stalling), Ok(20));
			// Other kinds add to it; a smaller second wrong answer changes nothing.
			assert_eq!(report_in(1, Perbill::from_percent(10), OffenceKind::WrongAnswer, Some(task(1)), None), Ok(120));
			assert_eq!(report_in(1, Perbill::from_percent(5), OffenceKind::WrongAnswer, Some(task(2)), None), Ok(120));
			assert_eq!(span(1).reports, 53);
			run_past_deferral();
			assert_eq!(applied(), vec![(1, 120, 0)]);
			assert_eq!(Staking::stake_of(&1), 880);
			// The span is over: the next offence opens a new one, on the stake left.
			assert_eq!(report(1, 1, OffenceKind::MissedTask), Ok(8));
		});
	}

	#[test]
	fn the_span_applies_to_the_largest_stake_it_saw() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_eq!(report(1, 10, OffenceKind::BrokenReveal), Ok(100));
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 1_000));
			assert_eq!(
				report_in(1, Perbill::from_percent(10), OffenceKind::BrokenReveal, Some(task(1)), None),
				Ok(200)
			);
			run_past_deferral();
			assert_eq!(applied(), vec![(1, 200, 0)]);
		});
	}

	#[test]
	fn cancellable_reports_postpone_the_span_liveness_reports_do_not() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 1, OffenceKind::MissedTask));
			run_to_block(3);
			assert_ok!(report(1, 1, OffenceKind::MissedTask));
			assert_eq!(span(1).apply_at, 6);
			run_to_block(4);
			assert_ok!(report_in(1, Perbill::from_percent(10), OffenceKind::WrongAnswer, Some(task(7)), None));
			assert_eq!(span(1).apply_at, 9);
			let due: Vec<_> = SlashQueueOf::<Test>::entries().map(|e| (e.who, e.due)).collect();
			assert_eq!(due, vec![(1, 6), (1, 9)]);
			// The old entry comes up and is skipped: a proof still has the full deferral.
			run_to_block(8);
			assert_eq!(held(1), 1_000);
			assert_eq!(SlashQueueOf::<Test>::len(), 1);
			run_to_block(9);
			assert_eq!(applied(), vec![(1, 110, 0)]);
		});
	}

	#[test]
	fn a_later_proof_cancels_one_tracked_offence() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report_in(1, Perbill::from_percent(10), OffenceKind::WrongAnswer, Some(task(1)), Some(7)));
			assert_eq!(
				report_in(1, Perbill::from_percent(20), OffenceKind::WrongAnswer, Some(task(2)), Some(8)),
				Ok(200)
			);
			type Registry = Staking;
			assert!(<Registry as WorkerRegistry<AccountId>>::cancel_offence(&1, OffenceKind::WrongAnswer, task(2)));
			assert_eq!(
				last_event(),
				Event::OffenceCancelled { who: 1, reason: OffenceKind::WrongAnswer, task: task(2), span_amount: 100 }
			);
			assert!(!<Registry as WorkerRegistry<AccountId>>::cancel_offence(&1, OffenceKind::WrongAnswer, task(2)));
			assert!(!<Registry as WorkerRegistry<AccountId>>::cancel_offence(&1, OffenceKind::BrokenReveal, task(1)));
			assert!(!<Registry as WorkerRegistry<AccountId>>::cancel_offence(&2, OffenceKind::WrongAnswer, task(1)));
			run_past_deferral();
			// 100 taken; the 10 % reward goes to the one reporter whose offence stood.
			assert_eq!(applied(), vec![(1, 100, 10)]);
			assert_eq!(free(7), INITIAL_BALANCE + 10);
			assert_eq!(free(8), INITIAL_BALANCE);
			assert_eq!(free(SLASH_POT), 1 + 90);
		});
	}

	#[test]
	fn cancelling_the_last_offence_closes_the_span() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert!(<Staking as WorkerRegistry<AccountId>>::cancel_offence(&1, OffenceKind::WrongAnswer, task(0)));
			assert!(UnappliedSlashes::<Test>::get(1).is_none());
			run_to_block(10);
			assert_eq!(held(1), 1_000);
			assert_eq!(SlashedTotal::get(), 0);
			assert!(SlashQueueOf::<Test>::is_empty());
			// The chill stands: the worker registers again (and waits for activation again).
			assert!(!Workers::<Test>::contains_key(1));
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			// Nothing pending: it can leave.
			assert_ok!(Staking::chill(RuntimeOrigin::signed(1)));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			run_to_block(10 + UNBONDING_PERIOD);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
		});
	}

	#[test]
	fn offences_beyond_the_tracked_bound_still_count() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			for i in 0..MAX_TRACKED as u64 {
				assert_ok!(report_in(1, Perbill::from_percent(1), OffenceKind::WrongAnswer, Some(task(i)), None));
			}
			assert_eq!(
				report_in(1, Perbill::from_percent(30), OffenceKind::WrongAnswer, Some(task(99)), None),
				Ok(300)
			);
			let s = span(1);
			assert_eq!(s.tracked.len() as u32, MAX_TRACKED);
			assert_eq!(s.untracked.wrong_answer, Perbill::from_percent(30));
			// Untracked: no proof can cancel it.
			assert!(!<Staking as WorkerRegistry<AccountId>>::cancel_offence(&1, OffenceKind::WrongAnswer, task(99)));
			run_past_deferral();
			assert_eq!(applied(), vec![(1, 300, 0)]);
		});
	}

	#[test]
	fn reporters_share_the_reward_and_the_rest_goes_to_on_slash() {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			bond(1, 1_000);
			for (id, reporter) in [(1, 7), (2, 8), (3, 7)] {
				assert_ok!(report_in(
					1,
					Perbill::from_percent(10),
					OffenceKind::WrongAnswer,
					Some(task(id)),
					Some(reporter)
				));
			}
			run_past_deferral();
			// 10 % of 100 is 10, split between the two distinct reporters.
			assert_eq!(applied(), vec![(1, 100, 10)]);
			assert_eq!(free(7), INITIAL_BALANCE + 5);
			assert_eq!(free(8), INITIAL_BALANCE + 5);
			assert_eq!(free(SLASH_POT), 1 + 90);
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}

	#[test]
	fn reports_are_never_refused_and_many_due_spans_drain_over_several_blocks() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=5 {
				bond(who, 1_000);
				for _ in 0..100 {
					assert_ok!(report(who, 1, OffenceKind::MissedTask));
				}
				assert_ok!(report(who, 10, OffenceKind::WrongAnswer));
			}
			// One entry per span: the wrong answers came in the block that opened it.
			assert_eq!(SlashQueueOf::<Test>::len(), 5);
			run_to_block(6);
			assert_eq!(applied().len(), 2);
			run_to_block(7);
			assert_eq!(applied().len(), 4);
			run_to_block(8);
			assert_eq!(applied(), (1..=5).map(|who| (who, 110, 0)).collect::<Vec<_>>());
			assert!(SlashQueueOf::<Test>::is_empty());
		});
	}

	#[test]
	fn unbonding_right_after_the_offence_does_not_escape_the_slash() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			run_past_deferral();
			assert_eq!(chunks(1), vec![(900, 21)]);
			run_to_block(21);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(free(1), INITIAL_BALANCE - 100);
		});
	}

	#[test]
	fn a_pending_slash_blocks_withdrawal_past_the_unlock_block() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			run_to_block(20);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			run_to_block(21);
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::PendingSlash);
			run_to_block(25);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(free(1), INITIAL_BALANCE - 100);
		});
	}

	#[test]
	fn proportional_to_the_unit() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 301));
			run_to_block(2);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 199));
			// 33.3333333% of 1_000 is 333.3, rounded down to 333.
			let severity = Perbill::from_parts(333_333_333);
			assert_eq!(report_in(1, severity, OffenceKind::WrongAnswer, Some(task(0)), None), Ok(333));
			run_to_block(7);
			// Shares: ⌊500·333/1000⌋ = 166, ⌊301·333/1000⌋ = 100, ⌊199·333/1000⌋ = 66; that is
			// 332, and the one unit left comes from the active bond.
			assert_eq!(ledger(1).active, 500 - 167);
			assert_eq!(chunks(1), vec![(301 - 100, 21), (199 - 66, 22)]);
			assert_eq!(held(1), 667);
			assert_eq!(free(SLASH_POT), 1 + 333);
		});
	}

	#[test]
	fn a_slash_never_takes_more_than_the_stake() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 600));
			run_to_block(2);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 400));
			assert_eq!(report(1, 100, OffenceKind::WrongAnswer), Ok(1_000));
			assert_eq!(report_in(1, Perbill::one(), OffenceKind::BrokenReveal, Some(task(1)), None), Ok(1_000));
			assert_eq!(report(1, 100, OffenceKind::Stalling), Ok(1_000));
			run_to_block(7);
			assert_eq!(held(1), 0);
			// Nothing bonded and nothing pending: the ledger is gone.
			assert!(Ledger::<Test>::get(1).is_none());
			assert_eq!(free(1), INITIAL_BALANCE - 1_000);
			assert_eq!(SlashedTotal::get(), 1_000);
			assert_eq!(applied(), vec![(1, 1_000, 0)]);
		});
	}

	#[test]
	fn slashed_funds_go_to_on_slash_and_issuance_is_unchanged() {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			bond(1, 1_000);
			bond(2, 500);
			assert_ok!(report(1, 30, OffenceKind::WrongAnswer));
			assert_ok!(report(2, 100, OffenceKind::BrokenReveal));
			run_past_deferral();
			assert_eq!(free(SLASH_POT), 1 + 300 + 500);
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}

	#[test]
	fn burning_on_slash_reduces_issuance_by_exactly_the_slash() {
		ExtBuilder::default().build_and_execute(|| {
			BurnSlashes::set(true);
			let issuance = Balances::total_issuance();
			bond(1, 1_000);
			assert_ok!(report(1, 30, OffenceKind::WrongAnswer));
			run_past_deferral();
			assert_eq!(Balances::total_issuance(), issuance - 300);
			assert_eq!(free(SLASH_POT), 1);
			assert_eq!(SlashedTotal::get(), 300);
			assert_eq!(Balances::total_balance(&1), INITIAL_BALANCE - 300);
		});
	}

	#[test]
	fn a_worker_below_the_minimum_after_a_slash_is_chilled() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 200);
			bond_and_register(2, 200);
			assert_ok!(report(1, 50, OffenceKind::BrokenReveal));
			run_past_deferral();
			// Exactly MinWorkerBond left: still a worker.
			assert!(Workers::<Test>::contains_key(1));
			assert_ok!(report(1, 1, OffenceKind::BrokenReveal));
			run_past_deferral();
			assert_eq!(last_event(), Event::ChilledAfterSlash { who: 1, active: 99 });
			assert!(!Workers::<Test>::contains_key(1));
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![(2, 1 + ACTIVATION_DELAY)]);
			// It stays bonded and can register again after topping up.
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 1));
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
		});
	}

	#[test]
	fn a_wrong_answer_chills_at_the_report() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			activate();
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_eq!(last_event(), Event::ChilledForOffence { who: 1, reason: OffenceKind::WrongAnswer });
			assert!(!Workers::<Test>::contains_key(1));
			assert_noop!(Staking::select_workers([0; 32], 1), Error::<Test>::NotEnoughWorkers);
		});
	}

	#[test]
	fn consecutive_misses_chill_and_a_done_task_resets_the_run() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			type Registry = Staking;
			for _ in 0..MAX_MISSES - 1 {
				assert_ok!(report(1, 1, OffenceKind::MissedTask));
			}
			<Registry as WorkerRegistry<AccountId>>::record_outcome(&1, TaskOutcome::Done);
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().consecutive_missed, 0);
			for _ in 0..MAX_MISSES - 1 {
				assert_ok!(report(1, 1, OffenceKind::MissedTask));
			}
			assert!(Workers::<Test>::contains_key(1));
			assert_ok!(report(1, 1, OffenceKind::Stalling));
			assert_eq!(last_event(), Event::ChilledForOffence { who: 1, reason: OffenceKind::Stalling });
			assert!(!Workers::<Test>::contains_key(1));
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().consecutive_missed, MAX_MISSES);
			// Registering again starts a fresh run.
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().consecutive_missed, 0);
		});
	}

	#[test]
	fn report_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(report(1, 10, OffenceKind::WrongAnswer), Error::<Test>::NotBonded);
		});
	}

	#[test]
	fn on_initialize_reports_its_weight() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=3 {
				bond(who, 1_000);
				assert_ok!(report(who, 10, OffenceKind::MissedTask));
			}
			System::set_block_number(6);
			assert_eq!(Staking::on_initialize(6), <() as crate::WeightInfo>::apply_slashes(2));
			System::set_block_number(7);
			assert_eq!(Staking::on_initialize(7), <() as crate::WeightInfo>::apply_slashes(1));
			System::set_block_number(8);
			assert_eq!(Staking::on_initialize(8), <() as crate::WeightInfo>::apply_slashes(0));
		});
	}
}

mod cancel {
	use super::*;

	#[test]
	fn governance_cancels_a_whole_span() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_ok!(report(1, 1, OffenceKind::MissedTask));
			assert_ok!(Staking::cancel_slash(RuntimeOrigin::root(), 1));
			assert_eq!(last_event(), Event::SlashCancelled { who: 1, amount: 110 });
			run_to_block(10);
			assert_eq!(held(1), 1_000);
			assert_eq!(SlashedTotal::get(), 0);
			// The offences still count in the record; nothing was slashed.
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().offences, 2);
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().total_slashed, 0);
		});
	}

	#[test]
	fn cancel_slash_errors() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_noop!(Staking::cancel_slash(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
			assert_noop!(Staking::cancel_slash(RuntimeOrigin::root(), 2), Error::<Test>::NoPendingSlash);
			run_past_deferral();
			// Applied slashes cannot be cancelled.
			assert_noop!(Staking::cancel_slash(RuntimeOrigin::root(), 1), Error::<Test>::NoPendingSlash);
		});
	}
}

mod keys {
	use super::*;

	#[test]
	fn set_worker_key_maps_both_ways_and_replaces() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 100);
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(1), 201));
			assert_eq!(last_event(), Event::WorkerKeySet { stash: 1, key: 201 });
			assert_eq!((WorkerKeys::<Test>::get(1), KeyOwner::<Test>::get(201)), (Some(201), Some(1)));
			assert_eq!(Staking::stash_of_key(201), Some(1));
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(1), 202));
			assert_eq!(KeyOwner::<Test>::get(201), None);
			assert_eq!(KeyOwner::<Test>::get(202), Some(1));
			// Setting the same key again is harmless.
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(1), 202));
		});
	}

	#[test]
	fn set_worker_key_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::set_worker_key(RuntimeOrigin::signed(1), 201), Error::<Test>::NotBonded);
			bond(1, 100);
			bond(2, 100);
			assert_noop!(Staking::set_worker_key(RuntimeOrigin::signed(1), 1), Error::<Test>::KeyIsStash);
			assert_noop!(Staking::set_worker_key(RuntimeOrigin::signed(1), 2), Error::<Test>::KeyIsBonded);
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(2), 300));
			assert_noop!(Staking::set_worker_key(RuntimeOrigin::signed(1), 300), Error::<Test>::KeyInUse);
		});
	}

	#[test]
	fn a_stolen_worker_key_cannot_touch_the_stake() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			let thief = RuntimeOrigin::signed(key(1));
			// Whoever reads the node's keystore holds the key: none of the stake's calls work.
			assert_noop!(Staking::unbond(thief.clone(), 1_000), Error::<Test>::NotBonded);
			assert_noop!(Staking::withdraw_unbonded(thief.clone()), Error::<Test>::NotBonded);
			assert_noop!(Staking::bond_extra(thief.clone(), 10), Error::<Test>::NotBonded);
			assert_noop!(Staking::chill(thief.clone()), Error::<Test>::NotWorker);
			assert_noop!(Staking::set_worker_key(thief, 300), Error::<Test>::NotBonded);
			assert_eq!(held(1), 1_000);
			assert!(Workers::<Test>::contains_key(1));
			// The stash replaces the stolen key at once.
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(1), 300));
			assert_eq!(<Staking as WorkerRegistry<AccountId>>::worker_of_key(&key(1)), None);
		});
	}

	#[test]
	fn naming_someone_elses_account_as_key_cannot_stop_it_from_bonding() {
		ExtBuilder::default().build_and_execute(|| {
			// Stash 1 claims account 3 (which never agreed) as its key and registers.
			bond_and_register(1, 1_000);
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(1), 3));
			// Account 3 still bonds; the claim on it is dropped and the claimer leaves the draw.
			bond(3, 100);
			assert_eq!((WorkerKeys::<Test>::get(1), KeyOwner::<Test>::get(3)), (None, None));
			assert!(!Workers::<Test>::contains_key(1));
			assert!(staking_events().contains(&Event::WorkerKeyRevoked { stash: 1, key: 3 }));
			// A bonded account cannot be claimed again.
			assert_noop!(Staking::set_worker_key(RuntimeOrigin::signed(1), 3), Error::<Test>::KeyIsBonded);
		});
	}

	#[test]
	fn the_worker_key_is_freed_with_the_stake() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 100);
			assert_ok!(Staking::set_worker_key(RuntimeOrigin::signed(1), 3));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 100));
			run_to_block(1 + UNBONDING_PERIOD);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!((WorkerKeys::<Test>::get(1), KeyOwner::<Test>::get(3)), (None, None));
		});
	}
}

mod challenge_deposits {
	use super::*;
	type Registry = Staking;

	fn deposit_held(who: AccountId) -> Balance {
		Balances::balance_on_hold(&HoldReason::ChallengeDeposit.into(), &who)
	}

	#[test]
	fn a_failed_challenge_forfeits_the_deposit_an_upheld_one_returns_it() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(<Registry as WorkerRegistry<AccountId>>::hold_challenge_deposit(&5));
			assert_ok!(<Registry as WorkerRegistry<AccountId>>::hold_challenge_deposit(&5));
			assert_eq!(deposit_held(5), 2 * CHALLENGE_DEPOSIT);
			assert_eq!(ChallengeDeposits::<Test>::get(5), Some(2));
			<Registry as WorkerRegistry<AccountId>>::settle_challenge_deposit(&5, false);
			assert_eq!(last_event(), Event::ChallengeDepositForfeited { who: 5, amount: CHALLENGE_DEPOSIT });
			assert_eq!(free(SLASH_POT), 1 + CHALLENGE_DEPOSIT);
			<Registry as WorkerRegistry<AccountId>>::settle_challenge_deposit(&5, true);
			assert_eq!(last_event(), Event::ChallengeDepositReturned { who: 5, amount: CHALLENGE_DEPOSIT });
			assert_eq!(deposit_held(5), 0);
			assert_eq!(ChallengeDeposits::<Test>::get(5), None);
			assert_eq!(free(5), INITIAL_BALANCE - CHALLENGE_DEPOSIT);
		});
	}

	#[test]
	fn deposit_errors_change_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				<Registry as WorkerRegistry<AccountId>>::hold_challenge_deposit(&42),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(Staking::do_settle_challenge_deposit(&5, true), Error::<Test>::NoChallengeDeposit);
		});
	}
}

mod claw_back {
	use super::*;
	type Registry = Staking;

	#[test]
	fn claw_back_moves_stake_to_the_beneficiary_at_once() {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 200));
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::claw_back(&1, &5, 30), 30);
			assert_eq!(last_event(), Event::ClawedBack { from: 1, to: 5, amount: 30 });
			// 800 active and 200 unbonding give 24 and 6.
			assert_eq!(ledger(1).active, 776);
			assert_eq!(chunks(1), vec![(194, 21)]);
			assert_eq!(held(1), 970);
			assert_eq!(free(5), INITIAL_BALANCE + 30);
			assert_eq!(TotalStaked::<Test>::get(), 970);
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}

	#[test]
	fn claw_back_takes_at_most_the_stake() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 100);
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::claw_back(&1, &5, 1_000), 100);
			assert!(Ledger::<Test>::get(1).is_none());
			assert_eq!(<Registry as WorkerRegistry<AccountId>>::claw_back(&9, &5, 10), 0);
		});
	}
}

mod activation {
	use super::*;

	fn seed(i: u32) -> [u8; 32] {
		polkadot_sdk::sp_io::hashing::blake2_256(&i.to_le_bytes())
	}

	#[test]
	fn a_new_worker_is_drawn_only_after_the_activation_delay() {
		ExtBuilder::default().workers(&[(1, 1_000), (2, 1_000)]).build_and_execute(|| {
			bond_and_register(3, 1_000);
			for i in 0..20 {
				assert!(!Staking::select_workers(seed(i), 2).unwrap().contains(&3));
			}
			assert_noop!(Staking::select_workers(seed(0), 3), Error::<Test>::NotEnoughWorkers);
			run_to_block(1 + ACTIVATION_DELAY - 1);
			assert_noop!(Staking::select_workers(seed(0), 3), Error::<Test>::NotEnoughWorkers);
			run_to_block(1 + ACTIVATION_DELAY);
			assert!(Staking::select_workers(seed(0), 3).unwrap().contains(&3));
		});
	}
}

#[test]
fn integrity_test_passes_for_the_mock() {
	ExtBuilder::default().build_and_execute(|| {
		<Staking as Hooks<BlockNumber>>::integrity_test();
	});
}

#[test]
fn try_state_catches_a_hold_mismatch() {
	use frame_support::traits::fungible::hold::Mutate as _;
	ExtBuilder::default().build().execute_with(|| {
		bond(1, 1_000);
		assert_ok!(Balances::hold(&HoldReason::Staking.into(), &1, 1));
		assert!(Staking::do_try_state().is_err());
	});
}

#[test]
fn try_state_catches_a_worker_list_mismatch() {
	ExtBuilder::default().build().execute_with(|| {
		bond_and_register(1, 1_000);
		ActiveWorkers::<Test>::mutate(|w| w.try_push((1, 4)).unwrap());
		assert!(Staking::do_try_state().is_err());
	});
}

#[test]
fn try_state_catches_a_span_without_its_queue_entry_or_with_a_wrong_amount() {
	ExtBuilder::default().build().execute_with(|| {
		bond(1, 1_000);
		assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
		assert_ok!(Staking::do_try_state());
		UnappliedSlashes::<Test>::mutate(1, |s| s.as_mut().unwrap().amount = 99);
		assert!(Staking::do_try_state().is_err());
		UnappliedSlashes::<Test>::mutate(1, |s| {
			let s = s.as_mut().unwrap();
			s.amount = 100;
			s.apply_at = 7;
		});
		assert!(Staking::do_try_state().is_err());
	});
}

#[test]
fn try_state_catches_a_key_mismatch() {
	ExtBuilder::default().build().execute_with(|| {
		bond(1, 100);
		set_key(1);
		assert_ok!(Staking::do_try_state());
		KeyOwner::<Test>::insert(key(1), 2);
		assert!(Staking::do_try_state().is_err());
	});
}

#[test]
#[should_panic(expected = "must exceed LongestOffenceWindow")]
fn integrity_test_rejects_an_unbonding_period_inside_the_slash_window() {
	ExtBuilder::default().build().execute_with(|| {
		// 20 blocks of unbonding against a 10-block window plus 10 blocks of deferral.
		SlashDeferDuration::set(OFFENCE_WINDOW);
		<Staking as Hooks<BlockNumber>>::integrity_test();
	});
}

#[test]
#[should_panic(expected = "SlashDeferDuration must be at least one block")]
fn integrity_test_rejects_immediate_slashes() {
	ExtBuilder::default().build().execute_with(|| {
		SlashDeferDuration::set(0);
		<Staking as Hooks<BlockNumber>>::integrity_test();
	});
}

#[cfg(feature = "runtime-benchmarks")]
#[test]
fn make_benchmark_worker_funds_bonds_keys_and_registers() {
	ExtBuilder::default().build_and_execute(|| {
		type Registry = Staking;
		// An account with no funds at all.
		let key = <Registry as WorkerRegistry<AccountId>>::make_benchmark_worker(&500).unwrap();
		assert!(Workers::<Test>::contains_key(500));
		assert_eq!(ledger(500).active, MIN_WORKER_BOND);
		assert_eq!(KeyOwner::<Test>::get(key), Some(500));
		// Drawable at once.
		assert_eq!(Staking::select_workers([0; 32], 1).unwrap(), vec![500]);
		// Idempotent.
		assert_eq!(<Registry as WorkerRegistry<AccountId>>::make_benchmark_worker(&500), Ok(key));
		// A bonded account below the worker minimum is topped up.
		bond(1, 50);
		assert_ok!(<Registry as WorkerRegistry<AccountId>>::make_benchmark_worker(&1));
		assert_eq!(ledger(1).active, MIN_WORKER_BOND);
		assert!(Workers::<Test>::contains_key(1));
	});
}
