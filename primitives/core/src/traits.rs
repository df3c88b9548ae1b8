//! Interfaces between ModelChain pallets.
//!
//! The market pallets (bounties, predictions) need staked workers but must not depend on the
//! staking pallet's crate: they see it only through [`WorkerRegistry`], and their unit tests
//! use [`mock::MockWorkers`] instead of a real staking pallet.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::{DispatchError, Perbill};
use scale_info::TypeInfo;

/// What a worker did wrong. Reported with every offence and shown in its event, so an operator
/// can tell why stake was taken.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffenceKind {
	/// Submitted a result that disagreed with the quorum or with on-chain re-execution.
	#[codec(index = 0)]
	WrongAnswer,
	/// Was assigned a task and submitted nothing before its deadline.
	#[codec(index = 1)]
	MissedTask,
	/// Revealed something that does not match its commitment, or did not reveal at all.
	#[codec(index = 2)]
	BrokenReveal,
	/// Held up a phase that needed its action.
	#[codec(index = 3)]
	Stalling,
	/// Challenged a result that on-chain re-execution then confirmed.
	#[codec(index = 4)]
	FailedChallenge,
}

/// How a worker's task ended, for its public track record.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
	/// The worker submitted a result for an assigned task.
	#[codec(index = 0)]
	Done,
	/// The worker's result matched the final (quorum or re-executed) result.
	#[codec(index = 1)]
	Agreed,
	/// The worker's result differed from the final result.
	#[codec(index = 2)]
	Disagreed,
	/// The worker was assigned a task and submitted nothing in time.
	#[codec(index = 3)]
	Missed,
}

/// The staked worker set, as the market pallets see it.
///
/// Implemented by `pallet-ml-staking`; other pallets take it as a `Config` item, e.g.
/// `type Workers: WorkerRegistry<Self::AccountId, Balance = BalanceOf<Self>>;`.
pub trait WorkerRegistry<AccountId> {
	/// The stake's currency unit.
	type Balance;

	/// Whether `who` is registered as a worker now and can be assigned tasks.
	fn is_active_worker(who: &AccountId) -> bool;

	/// Everything `who` has at stake and a slash can reach: active bond plus stake still
	/// unbonding. Zero for an account that has not bonded.
	fn stake_of(who: &AccountId) -> Self::Balance;

	/// Number of active workers, the largest `n` that [`Self::select_workers`] accepts.
	fn active_worker_count() -> u32;

	/// `n` distinct active workers drawn uniformly from `seed`.
	///
	/// The same seed and worker set always give the same workers in the same order. Pass a
	/// seed the requester cannot choose (e.g. on-chain randomness mixed with the task id).
	/// Fails if fewer than `n` workers are active.
	fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<AccountId>, DispatchError>;

	/// Reports an offence by `who`: a slash of `severity` of its whole stake (active and
	/// unbonding) is computed now and applied after the implementation's deferral period,
	/// unless governance cancels it. Returns the computed amount.
	///
	/// Fails, changing nothing, if `who` has no stake or no slash can be scheduled.
	fn report_offence(who: &AccountId, severity: Perbill, reason: OffenceKind) -> Result<Self::Balance, DispatchError>;

	/// Adds a task outcome to the track record of `who`. Does nothing for an account that has
	/// never registered as a worker.
	fn record_outcome(who: &AccountId, outcome: TaskOutcome);

	/// The longest window, in blocks, in which any pallet may still report an offence after
	/// the misbehaviour. Stake unbonds more slowly than this, so nobody unbonds out of a slash;
	/// a pallet's `integrity_test` should check its own windows against it.
	fn longest_offence_window() -> u32;

	/// Makes `who` an active worker with enough stake, funding it as needed, so other pallets'
	/// benchmarks can set up workers without knowing how the registry works.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_benchmark_worker(_who: &AccountId) -> Result<(), DispatchError> {
		Err(DispatchError::Other("WorkerRegistry::make_benchmark_worker not implemented"))
	}
}

/// A [`WorkerRegistry`] for other pallets' unit tests, with thread-local state.
///
/// Each test thread has its own registry, so tests running in parallel do not interfere. The
/// behaviour is deliberately simple and predictable:
///
/// - [`select_workers`](WorkerRegistry::select_workers) returns the first `n` workers in the
///   order they were added (the seed is recorded but ignored), or the list set with
///   [`MockWorkers::set_selection`];
/// - [`report_offence`](WorkerRegistry::report_offence) takes `severity` of the stake
///   (rounded down) immediately, as a staking pallet with no slash deferral would, records the
///   offence and returns the amount;
/// - outcomes are recorded in order.
///
/// ```
/// use modelchain_primitives::traits::{mock::MockWorkers, OffenceKind, WorkerRegistry};
/// use polkadot_sdk::sp_runtime::Perbill;
///
/// type Workers = MockWorkers<u64, u128>;
/// Workers::reset();
/// Workers::set_workers(&[(1, 1_000), (2, 1_000), (3, 1_000)]);
/// assert_eq!(Workers::select_workers([0; 32], 2).unwrap(), vec![1, 2]);
/// assert_eq!(Workers::report_offence(&2, Perbill::from_percent(10), OffenceKind::MissedTask), Ok(100));
/// assert_eq!(Workers::stake_of(&2), 900);
/// assert_eq!(Workers::offences(), vec![(2, Perbill::from_percent(10), OffenceKind::MissedTask, 100)]);
/// ```
#[cfg(feature = "std")]
pub mod mock {
	use super::*;
	use core::{cell::RefCell, marker::PhantomData};
	use polkadot_sdk::sp_runtime::traits::AtLeast32BitUnsigned;

	/// A worker in the mock registry: encoded account, stake, whether active.
	#[derive(Clone)]
	struct Entry {
		who: Vec<u8>,
		stake: u128,
		active: bool,
	}

	struct State {
		workers: Vec<Entry>,
		selection: Option<Vec<Vec<u8>>>,
		seeds: Vec<[u8; 32]>,
		offences: Vec<(Vec<u8>, Perbill, OffenceKind, u128)>,
		outcomes: Vec<(Vec<u8>, TaskOutcome)>,
		offence_error: Option<DispatchError>,
		longest_offence_window: u32,
	}

	impl Default for State {
		fn default() -> Self {
			State {
				workers: Vec::new(),
				selection: None,
				seeds: Vec::new(),
				offences: Vec::new(),
				outcomes: Vec::new(),
				offence_error: None,
				// Every window fits until a test says otherwise, so `integrity_test`s pass.
				longest_offence_window: u32::MAX,
			}
		}
	}

	std::thread_local! {
		static STATE: RefCell<State> = RefCell::new(State::default());
	}

	/// The mock registry. `AccountId` and `Balance` are the test runtime's types; state is
	/// stored encoded, so one thread-local serves every instantiation.
	pub struct MockWorkers<AccountId, Balance>(PhantomData<(AccountId, Balance)>);

	fn decode<A: Decode>(bytes: &[u8]) -> A {
		A::decode(&mut &bytes[..]).expect("encoded by MockWorkers itself; qed")
	}

	impl<AccountId, Balance> MockWorkers<AccountId, Balance>
	where
		AccountId: Encode + Decode,
		Balance: AtLeast32BitUnsigned + Copy,
	{
		/// Clears every worker, record and setting of this thread.
		pub fn reset() {
			STATE.with(|s| *s.borrow_mut() = State::default());
		}

		/// Replaces the worker set: every account is active with the given stake.
		pub fn set_workers(workers: &[(AccountId, Balance)]) {
			STATE.with(|s| {
				s.borrow_mut().workers = workers
					.iter()
					.map(|(who, stake)| Entry {
						who: who.encode(),
						stake: (*stake).unique_saturated_into(),
						active: true,
					})
					.collect();
			});
		}

		/// Adds an active worker (or reactivates it and sets its stake).
		pub fn add_worker(who: &AccountId, stake: Balance) {
			let (who, stake) = (who.encode(), stake.unique_saturated_into());
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				match s.workers.iter_mut().find(|e| e.who == who) {
					Some(e) => {
						e.stake = stake;
						e.active = true;
					}
					None => s.workers.push(Entry { who, stake, active: true }),
				}
			});
		}

		/// Deactivates a worker (as `chill` would); its stake stays slashable.
		pub fn chill(who: &AccountId) {
			let who = who.encode();
			STATE.with(|s| {
				s.borrow_mut().workers.iter_mut().filter(|e| e.who == who).for_each(|e| {
					e.active = false;
				})
			});
		}

		/// Forces the result of every later `select_workers` call (truncated to `n`; fewer than
		/// `n` entries still fails as not enough workers).
		pub fn set_selection(selection: Option<Vec<AccountId>>) {
			STATE.with(|s| s.borrow_mut().selection = selection.map(|v| v.iter().map(|a| a.encode()).collect()));
		}

		/// Makes every later `report_offence` fail with `error` (or succeed again with `None`).
		pub fn set_offence_error(error: Option<DispatchError>) {
			STATE.with(|s| s.borrow_mut().offence_error = error);
		}

		/// Sets what `longest_offence_window` returns (`u32::MAX` by default).
		pub fn set_longest_offence_window(blocks: u32) {
			STATE.with(|s| s.borrow_mut().longest_offence_window = blocks);
		}

		/// Every offence reported so far: offender, severity, reason, amount slashed.
		pub fn offences() -> Vec<(AccountId, Perbill, OffenceKind, Balance)> {
			STATE.with(|s| {
				s.borrow()
					.offences
					.iter()
					.map(|(w, p, k, a)| (decode(w), *p, *k, Balance::unique_saturated_from(*a)))
					.collect()
			})
		}

		/// Every outcome recorded so far, in order.
		pub fn outcomes() -> Vec<(AccountId, TaskOutcome)> {
			STATE.with(|s| s.borrow().outcomes.iter().map(|(w, o)| (decode(w), *o)).collect())
		}

		/// The seeds passed to `select_workers`, in order.
		pub fn seeds() -> Vec<[u8; 32]> {
			STATE.with(|s| s.borrow().seeds.clone())
		}
	}

	impl<AccountId, Balance> WorkerRegistry<AccountId> for MockWorkers<AccountId, Balance>
	where
		AccountId: Encode + Decode,
		Balance: AtLeast32BitUnsigned + Copy,
	{
		type Balance = Balance;

		fn is_active_worker(who: &AccountId) -> bool {
			let who = who.encode();
			STATE.with(|s| s.borrow().workers.iter().any(|e| e.who == who && e.active))
		}

		fn stake_of(who: &AccountId) -> Balance {
			let who = who.encode();
			STATE.with(|s| {
				let stake = s.borrow().workers.iter().find(|e| e.who == who).map_or(0, |e| e.stake);
				Balance::unique_saturated_from(stake)
			})
		}

		fn active_worker_count() -> u32 {
			STATE.with(|s| s.borrow().workers.iter().filter(|e| e.active).count() as u32)
		}

		fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<AccountId>, DispatchError> {
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				s.seeds.push(seed);
				let pool: Vec<Vec<u8>> = match &s.selection {
					Some(selection) => selection.clone(),
					None => s.workers.iter().filter(|e| e.active).map(|e| e.who.clone()).collect(),
				};
				if pool.len() < n as usize {
					return Err(DispatchError::Other("MockWorkers: not enough workers"));
				}
				Ok(pool.iter().take(n as usize).map(|w| decode(w)).collect())
			})
		}

		fn report_offence(who: &AccountId, severity: Perbill, reason: OffenceKind) -> Result<Balance, DispatchError> {
			let who = who.encode();
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				if let Some(error) = s.offence_error {
					return Err(error);
				}
				let entry = s
					.workers
					.iter_mut()
					.find(|e| e.who == who)
					.ok_or(DispatchError::Other("MockWorkers: not bonded"))?;
				let amount = severity.mul_floor(entry.stake);
				entry.stake -= amount;
				s.offences.push((who, severity, reason, amount));
				Ok(Balance::unique_saturated_from(amount))
			})
		}

		fn record_outcome(who: &AccountId, outcome: TaskOutcome) {
			STATE.with(|s| s.borrow_mut().outcomes.push((who.encode(), outcome)));
		}

		fn longest_offence_window() -> u32 {
			STATE.with(|s| s.borrow().longest_offence_window)
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn make_benchmark_worker(who: &AccountId) -> Result<(), DispatchError> {
			Self::add_worker(who, Balance::max_value());
			Ok(())
		}
	}

	#[cfg(test)]
	mod tests {
		use super::*;

		type Workers = MockWorkers<u64, u64>;

		#[test]
		fn mock_records_and_selects() {
			Workers::reset();
			Workers::set_workers(&[(1, 100), (2, 200), (3, 300)]);
			Workers::chill(&2);
			assert!(Workers::is_active_worker(&1));
			assert!(!Workers::is_active_worker(&2));
			assert_eq!(Workers::active_worker_count(), 2);
			assert_eq!(Workers::select_workers([7; 32], 2), Ok(vec![1, 3]));
			assert!(Workers::select_workers([7; 32], 3).is_err());
			assert_eq!(Workers::seeds(), vec![[7; 32], [7; 32]]);

			Workers::set_selection(Some(vec![3, 1]));
			assert_eq!(Workers::select_workers([0; 32], 1), Ok(vec![3]));

			assert_eq!(Workers::report_offence(&2, Perbill::from_percent(50), OffenceKind::Stalling), Ok(100));
			assert_eq!(Workers::stake_of(&2), 100);
			assert!(Workers::report_offence(&9, Perbill::one(), OffenceKind::Stalling).is_err());
			Workers::set_offence_error(Some(DispatchError::Other("full")));
			assert!(Workers::report_offence(&1, Perbill::one(), OffenceKind::Stalling).is_err());
			assert_eq!(Workers::stake_of(&1), 100);

			Workers::record_outcome(&1, TaskOutcome::Agreed);
			assert_eq!(Workers::outcomes(), vec![(1, TaskOutcome::Agreed)]);
			assert_eq!(Workers::offences(), vec![(2, Perbill::from_percent(50), OffenceKind::Stalling, 100)]);
			Workers::set_longest_offence_window(42);
			assert_eq!(Workers::longest_offence_window(), 42);
			Workers::reset();
			assert_eq!(Workers::active_worker_count(), 0);
		}
	}
}
