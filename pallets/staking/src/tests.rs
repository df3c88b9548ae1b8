//! Tests against the mock runtime. `build_and_execute` runs `do_try_state` after every test.

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

fn bond_and_register(who: AccountId, value: Balance) {
	bond(who, value);
	assert_ok!(Staking::register_worker(RuntimeOrigin::signed(who)));
}

fn report(who: AccountId, percent: u32, reason: OffenceKind) -> Result<Balance, DispatchError> {
	<Staking as WorkerRegistry<AccountId>>::report_offence(&who, Perbill::from_percent(percent), reason)
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
		ExtBuilder::default().slash_defer(0).build_and_execute(|| {
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 10), Error::<Test>::NotBonded);
			bond(1, 100);
			assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
			assert_noop!(
				Staking::bond_extra(RuntimeOrigin::signed(1), INITIAL_BALANCE - 100),
				Error::<Test>::InsufficientBalance
			);
			// A slash leaves 5 active, below MinBond: a top-up must restore the minimum.
			assert_ok!(report(1, 95, OffenceKind::WrongAnswer));
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
			assert_ok!(report(1, 10, OffenceKind::MissedTask));
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
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			assert_eq!(last_event(), Event::WorkerRegistered { who: 1 });
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![1]);
			assert_eq!(Workers::<Test>::get(1), Some(WorkerInfo { registered_at: 1 }));
			assert_eq!(WorkerRecords::<Test>::get(1), Some(WorkerRecord::default()));
			assert!(<Staking as WorkerRegistry<AccountId>>::is_active_worker(&1));
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
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![1, 3, 4]);
		});
	}

	#[test]
	fn register_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::NotBonded);
			bond(1, MIN_WORKER_BOND - 1);
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::BelowMinWorkerBond);
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 1));
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
			assert_noop!(Staking::register_worker(RuntimeOrigin::signed(1)), Error::<Test>::AlreadyWorker);
			// MaxWorkers = 10.
			for who in 2..=10 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
			bond(11, MIN_WORKER_BOND);
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
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![1, 2]);
			assert_eq!(held(1), 500);
			assert_eq!(held(2), 100);
			assert_eq!(TotalStaked::<Test>::get(), 600);
			assert_eq!(Workers::<Test>::get(1), Some(WorkerInfo { registered_at: 0 }));
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
		ExtBuilder::default().slash_defer(0).build_and_execute(|| {
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
			let expected =
				WorkerRecord { tasks_done: 3, agreed: 1, disagreed: 1, missed: 1, offences: 1, total_slashed: 100 };
			assert_eq!(WorkerRecords::<Test>::get(1), Some(expected));
			// The record outlives registration and the stake.
			assert_ok!(Staking::chill(RuntimeOrigin::signed(1)));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 900));
			run_to_block(21);
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
	fn chilled_workers_are_not_selected() {
		ExtBuilder::default().build_and_execute(|| {
			for who in 1..=4 {
				bond_and_register(who, MIN_WORKER_BOND);
			}
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

	#[test]
	fn offence_is_computed_at_report_and_applied_after_the_deferral() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 200));
			assert_eq!(report(1, 10, OffenceKind::WrongAnswer), Ok(100));
			assert_eq!(
				last_event(),
				Event::OffenceReported {
					slash_id: 0,
					who: 1,
					reason: OffenceKind::WrongAnswer,
					severity: Perbill::from_percent(10),
					amount: 100,
					apply_at: 6,
				}
			);
			assert_eq!(ledger(1).pending_slashes, 1);
			assert_eq!(SlashSchedule::<Test>::get(6).unwrap().into_inner(), vec![0]);
			assert_eq!(held(1), 1_000);
			run_to_block(5);
			assert_eq!(held(1), 1_000);
			run_to_block(6);
			// 800 active and 200 unbonding lose 80 and 20.
			assert_eq!(held(1), 900);
			assert_eq!(ledger(1).active, 720);
			assert_eq!(chunks(1), vec![(180, 21)]);
			assert_eq!(ledger(1).pending_slashes, 0);
			assert!(PendingSlashes::<Test>::get(0).is_none());
			assert_eq!(free(SLASH_POT), 1 + 100);
			assert_eq!(SlashedTotal::get(), 100);
			assert_eq!(TotalStaked::<Test>::get(), 900);
			assert_eq!(last_event(), Event::SlashApplied { slash_id: 0, who: 1, amount: 100 });
			// Still above MinWorkerBond: still a worker.
			assert!(Workers::<Test>::contains_key(1));
		});
	}

	#[test]
	fn zero_deferral_applies_at_once() {
		ExtBuilder::default().slash_defer(0).build_and_execute(|| {
			bond(1, 1_000);
			assert_eq!(report(1, 25, OffenceKind::Stalling), Ok(250));
			assert_eq!(held(1), 750);
			assert!(PendingSlashes::<Test>::iter().next().is_none());
			assert_eq!(
				staking_events()[1..],
				[
					Event::OffenceReported {
						slash_id: 0,
						who: 1,
						reason: OffenceKind::Stalling,
						severity: Perbill::from_percent(25),
						amount: 250,
						apply_at: 1,
					},
					Event::SlashApplied { slash_id: 0, who: 1, amount: 250 },
				]
			);
		});
	}

	#[test]
	fn unbonding_right_after_the_offence_does_not_escape_the_slash() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			// The worker misbehaves in block 1, chills and unbonds everything at once.
			assert_ok!(Staking::chill(RuntimeOrigin::signed(1)));
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			// The offence is proven at the very end of its window.
			run_to_block(1 + OFFENCE_WINDOW);
			assert_eq!(report(1, 50, OffenceKind::BrokenReveal), Ok(500));
			// Unbonding outlasts window + deferral, so the stake is still there to slash.
			run_to_block(1 + OFFENCE_WINDOW + SlashDeferDuration::get());
			assert_eq!(held(1), 500);
			assert_eq!(chunks(1), vec![(500, 21)]);
			run_to_block(21);
			assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
			assert_eq!(free(1), INITIAL_BALANCE - 500);
			assert_eq!(free(SLASH_POT), 1 + 500);
		});
	}

	#[test]
	fn a_pending_slash_blocks_withdrawal_past_the_unlock_block() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
			run_to_block(20);
			assert_ok!(report(1, 100, OffenceKind::WrongAnswer));
			run_to_block(24);
			assert_noop!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)), Error::<Test>::PendingSlash);
			run_to_block(25);
			assert!(Ledger::<Test>::get(1).is_none());
			assert_eq!(free(1), INITIAL_BALANCE - 1_000);
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
			assert_eq!(
				<Staking as WorkerRegistry<AccountId>>::report_offence(&1, severity, OffenceKind::WrongAnswer),
				Ok(333)
			);
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
			// Both are computed from the full 1_000 before either is applied.
			assert_eq!(report(1, 100, OffenceKind::WrongAnswer), Ok(1_000));
			assert_eq!(report(1, 100, OffenceKind::FailedChallenge), Ok(1_000));
			assert_eq!(report(1, 100, OffenceKind::Stalling), Ok(1_000));
			// Two fit in block 7's bucket, the third goes to block 8.
			assert_eq!(SlashSchedule::<Test>::get(7).unwrap().len(), 2);
			assert_eq!(SlashSchedule::<Test>::get(8).unwrap().into_inner(), vec![2]);
			run_to_block(7);
			assert_eq!(held(1), 0);
			assert_eq!(free(SLASH_POT), 1 + 1_000);
			// The ledger stays while a slash is pending, then goes.
			assert_eq!(ledger(1).pending_slashes, 1);
			run_to_block(8);
			assert!(Ledger::<Test>::get(1).is_none());
			assert_eq!(free(1), INITIAL_BALANCE - 1_000);
			assert_eq!(SlashedTotal::get(), 1_000);
			assert_eq!(
				staking_events()
					.into_iter()
					.filter_map(|e| match e {
						Event::SlashApplied { amount, .. } => Some(amount),
						_ => None,
					})
					.collect::<Vec<_>>(),
				vec![1_000, 0, 0]
			);
		});
	}

	#[test]
	fn slashed_funds_go_to_on_slash_and_issuance_is_unchanged() {
		ExtBuilder::default().slash_defer(0).build_and_execute(|| {
			let issuance = Balances::total_issuance();
			bond(1, 1_000);
			bond(2, 500);
			assert_ok!(report(1, 30, OffenceKind::WrongAnswer));
			assert_ok!(report(2, 100, OffenceKind::MissedTask));
			assert_eq!(free(SLASH_POT), 1 + 300 + 500);
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}

	#[test]
	fn burning_on_slash_reduces_issuance_by_exactly_the_slash() {
		ExtBuilder::default().slash_defer(0).build_and_execute(|| {
			BurnSlashes::set(true);
			let issuance = Balances::total_issuance();
			bond(1, 1_000);
			assert_ok!(report(1, 30, OffenceKind::WrongAnswer));
			assert_eq!(Balances::total_issuance(), issuance - 300);
			assert_eq!(free(SLASH_POT), 1);
			assert_eq!(SlashedTotal::get(), 300);
			assert_eq!(Balances::total_balance(&1), INITIAL_BALANCE - 300);
		});
	}

	#[test]
	fn a_worker_below_the_minimum_after_a_slash_is_chilled() {
		ExtBuilder::default().slash_defer(0).build_and_execute(|| {
			bond_and_register(1, 200);
			bond_and_register(2, 200);
			assert_ok!(report(1, 50, OffenceKind::WrongAnswer));
			// Exactly MinWorkerBond left: still a worker.
			assert!(Workers::<Test>::contains_key(1));
			assert_ok!(report(1, 1, OffenceKind::WrongAnswer));
			assert_eq!(last_event(), Event::ChilledAfterSlash { who: 1, active: 99 });
			assert!(!Workers::<Test>::contains_key(1));
			assert_eq!(ActiveWorkers::<Test>::get().into_inner(), vec![2]);
			// It stays bonded and can register again after topping up.
			assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 1));
			assert_ok!(Staking::register_worker(RuntimeOrigin::signed(1)));
		});
	}

	#[test]
	fn report_errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(report(1, 10, OffenceKind::WrongAnswer), Error::<Test>::NotBonded);
		});
	}

	#[test]
	fn the_schedule_overflows_into_later_blocks_then_fails() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			let capacity = 2 * SLASH_SCHEDULE_LOOKAHEAD;
			for _ in 0..capacity {
				assert_ok!(report(1, 0, OffenceKind::MissedTask));
			}
			let first = 1 + SlashDeferDuration::get();
			let last = first + SLASH_SCHEDULE_LOOKAHEAD as u64 - 1;
			assert_eq!(SlashSchedule::<Test>::get(first).unwrap().into_inner(), vec![0, 1]);
			assert_eq!(SlashSchedule::<Test>::get(last).unwrap().len(), 2);
			assert!(SlashSchedule::<Test>::get(last + 1).is_none());
			assert_noop!(report(1, 10, OffenceKind::MissedTask), Error::<Test>::SlashScheduleFull);
			// Each block applies only its own bucket.
			run_to_block(first);
			assert_eq!(PendingSlashes::<Test>::iter().count() as u32, capacity - 2);
			assert_eq!(ledger(1).pending_slashes, capacity - 2);
			run_to_block(last);
			assert!(PendingSlashes::<Test>::iter().next().is_none());
			// The next block has room again.
			assert_ok!(report(1, 10, OffenceKind::MissedTask));
		});
	}

	#[test]
	fn on_initialize_reports_its_weight() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::MissedTask));
			assert_ok!(report(1, 10, OffenceKind::MissedTask));
			System::set_block_number(6);
			assert_eq!(Staking::on_initialize(6), <() as crate::WeightInfo>::apply_slashes(2));
			System::set_block_number(7);
			assert_eq!(Staking::on_initialize(7), <() as crate::WeightInfo>::apply_slashes(0));
		});
	}
}

mod cancel {
	use super::*;

	#[test]
	fn cancel_slash_removes_it() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_ok!(report(1, 20, OffenceKind::WrongAnswer));
			assert_ok!(Staking::cancel_slash(RuntimeOrigin::root(), 0));
			assert_eq!(last_event(), Event::SlashCancelled { slash_id: 0, who: 1, amount: 100 });
			assert_eq!(SlashSchedule::<Test>::get(6).unwrap().into_inner(), vec![1]);
			assert_eq!(ledger(1).pending_slashes, 1);
			run_to_block(6);
			assert_eq!(held(1), 800);
			assert_eq!(WorkerRecords::<Test>::get(1), None);
		});
	}

	#[test]
	fn cancelling_the_only_slash_frees_the_stake() {
		ExtBuilder::default().build_and_execute(|| {
			bond_and_register(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_ok!(Staking::cancel_slash(RuntimeOrigin::root(), 0));
			assert!(SlashSchedule::<Test>::get(6).is_none());
			assert_eq!(ledger(1).pending_slashes, 0);
			run_to_block(10);
			assert_eq!(held(1), 1_000);
			assert_eq!(SlashedTotal::get(), 0);
			// The offence still counts in the record; nothing was slashed.
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().offences, 1);
			assert_eq!(WorkerRecords::<Test>::get(1).unwrap().total_slashed, 0);
		});
	}

	#[test]
	fn cancelling_the_last_slash_of_an_emptied_ledger_removes_it() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 100, OffenceKind::WrongAnswer));
			run_to_block(2);
			assert_ok!(report(1, 50, OffenceKind::WrongAnswer));
			run_to_block(6);
			assert_eq!(held(1), 0);
			assert_eq!(ledger(1).pending_slashes, 1);
			assert_ok!(Staking::cancel_slash(RuntimeOrigin::root(), 1));
			assert!(Ledger::<Test>::get(1).is_none());
		});
	}

	#[test]
	fn cancel_slash_errors() {
		ExtBuilder::default().build_and_execute(|| {
			bond(1, 1_000);
			assert_ok!(report(1, 10, OffenceKind::WrongAnswer));
			assert_noop!(Staking::cancel_slash(RuntimeOrigin::signed(1), 0), DispatchError::BadOrigin);
			assert_noop!(Staking::cancel_slash(RuntimeOrigin::root(), 1), Error::<Test>::UnknownSlash);
			run_to_block(6);
			// Applied slashes cannot be cancelled.
			assert_noop!(Staking::cancel_slash(RuntimeOrigin::root(), 0), Error::<Test>::UnknownSlash);
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
		ActiveWorkers::<Test>::mutate(|w| w.try_push(1).unwrap());
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

#[cfg(feature = "runtime-benchmarks")]
#[test]
fn make_benchmark_worker_funds_bonds_and_registers() {
	ExtBuilder::default().slash_defer(0).build_and_execute(|| {
		type Registry = Staking;
		// An account with no funds at all.
		assert_ok!(<Registry as WorkerRegistry<AccountId>>::make_benchmark_worker(&500));
		assert!(Workers::<Test>::contains_key(500));
		assert_eq!(ledger(500).active, MIN_WORKER_BOND);
		// Idempotent.
		assert_ok!(<Registry as WorkerRegistry<AccountId>>::make_benchmark_worker(&500));
		// A bonded account below the worker minimum is topped up.
		bond(1, 50);
		assert_ok!(<Registry as WorkerRegistry<AccountId>>::make_benchmark_worker(&1));
		assert_eq!(ledger(1).active, MIN_WORKER_BOND);
		assert!(Workers::<Test>::contains_key(1));
	});
}
