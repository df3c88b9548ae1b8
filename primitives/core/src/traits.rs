//! Interfaces between ModelChain pallets.
//!
//! The market pallets (bounties, predictions) need staked workers but must not depend on the
//! staking pallet's crate: they see it only through [`WorkerRegistry`], and their unit tests
//! use [`mock::MockWorkers`] instead of a real staking pallet.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::{traits::Saturating, DispatchError, Perbill};
use scale_info::TypeInfo;

/// What a worker did wrong. Reported with every offence and shown in its event, so an operator
/// can tell why stake was taken.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffenceKind {
	/// Submitted a result that disagreed with the quorum or with on-chain re-execution.
	#[codec(index = 0)]
	WrongAnswer,
	/// Was assigned a task and submitted nothing before its deadline (a liveness offence).
	#[codec(index = 1)]
	MissedTask,
	/// Revealed something that does not match its commitment, or did not reveal at all.
	#[codec(index = 2)]
	BrokenReveal,
	/// Held up a phase that needed its action (a liveness offence).
	#[codec(index = 3)]
	Stalling,
}

impl OffenceKind {
	/// Every kind, in index order.
	pub const ALL: [OffenceKind; 4] =
		[OffenceKind::WrongAnswer, OffenceKind::MissedTask, OffenceKind::BrokenReveal, OffenceKind::Stalling];

	/// Liveness offences (being absent, not being wrong) share one capped budget per slashing
	/// span, so an outage cannot cost more than the cap however many tasks it missed.
	pub fn is_liveness(self) -> bool {
		matches!(self, OffenceKind::MissedTask | OffenceKind::Stalling)
	}
}

/// The task an offence was committed in: which pallet's kind of task (`domain`, e.g.
/// `*b"pred"`) and its id there. A later proof that the offender was right (an upheld
/// challenge) cancels the offence by naming the same task.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskRef {
	/// The reporting pallet's task kind.
	pub domain: [u8; 4],
	/// The task's id in that pallet.
	pub id: u64,
}

/// An offence, as a market pallet reports it to the worker registry.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Debug, Clone, PartialEq, Eq)]
pub struct OffenceReport<AccountId> {
	/// The worker (its stash account) that misbehaved.
	pub offender: AccountId,
	/// What it did.
	pub kind: OffenceKind,
	/// The share of its stake the offence costs, before the span rules (largest severity per
	/// kind, capped liveness) combine it with the worker's other offences.
	pub severity: Perbill,
	/// The task, for offences a later proof may cancel; `None` for liveness offences.
	pub task: Option<TaskRef>,
	/// Who proved the offence (a challenger); paid the registry's reward share of the slash
	/// when it is applied.
	pub reporter: Option<AccountId>,
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
///
/// A worker is named by its **stash** (the account that holds the bond, is assigned tasks,
/// is paid and is slashed); its off-chain worker signs with a separate **worker key**, which
/// [`Self::worker_of_key`] maps back to the stash.
pub trait WorkerRegistry<AccountId> {
	/// The stake's currency unit.
	type Balance;

	/// Whether `who` is registered as a worker now (drawable, or waiting for its activation
	/// delay to pass).
	fn is_active_worker(who: &AccountId) -> bool;

	/// The stash whose worker key is `key`, if any.
	fn worker_of_key(key: &AccountId) -> Option<AccountId>;

	/// The worker key of `stash`, if it has set one.
	fn key_of_worker(stash: &AccountId) -> Option<AccountId>;

	/// Everything `who` has at stake and a slash can reach: active bond plus stake still
	/// unbonding. Zero for an account that has not bonded.
	fn stake_of(who: &AccountId) -> Self::Balance;

	/// Number of workers that can be drawn now, the largest `n` that
	/// [`Self::select_workers`] accepts.
	fn active_worker_count() -> u32;

	/// `n` distinct drawable workers (registered, past the activation delay) drawn uniformly
	/// from `seed`.
	///
	/// The same seed and worker set always give the same workers in the same order. Pass a
	/// seed the requester cannot choose (e.g. on-chain randomness mixed with the task id).
	/// Fails if fewer than `n` workers are drawable.
	fn select_workers(seed: [u8; 32], n: u32) -> Result<Vec<AccountId>, DispatchError>;

	/// `n` distinct drawable workers for which `eligible` holds (e.g. a worker with spare
	/// capacity), drawn uniformly among those from `seed`, examining at most `max_examined`
	/// drawable workers: `eligible` runs once per examined worker, so a check that reads
	/// storage costs at most `max_examined` reads. With every worker eligible the draw equals
	/// [`Self::select_workers`]'s. Fails if `n` eligible workers do not turn up within the
	/// budget.
	fn select_workers_where(
		seed: [u8; 32],
		n: u32,
		max_examined: u32,
		eligible: impl FnMut(&AccountId) -> bool,
	) -> Result<Vec<AccountId>, DispatchError>;

	/// Reports an offence. It joins the offender's open slashing span (or opens one): the
	/// span slashes the largest severity per kind, not the sum, with liveness offences capped
	/// together, and is applied after the registry's deferral unless cancelled. Never dropped:
	/// the only failure is an offender with no stake, which changes nothing. Returns the
	/// amount the offender's span now slashes.
	fn report_offence(report: OffenceReport<AccountId>) -> Result<Self::Balance, DispatchError>;

	/// Cancels the offence of `kind` that `offender` was reported for in `task`, if its span
	/// is still pending (a later proof showed the offender right). Returns whether one was
	/// cancelled.
	fn cancel_offence(offender: &AccountId, kind: OffenceKind, task: TaskRef) -> bool;

	/// Takes up to `amount` of `offender`'s stake at once and pays it to `beneficiary`: fees a
	/// proven-wrong worker was paid, returned to whoever paid them. Not a penalty (it is not
	/// deferred or capped by the span rules; on-chain re-execution proved it). Returns what
	/// was paid.
	fn claw_back(offender: &AccountId, beneficiary: &AccountId, amount: Self::Balance) -> Self::Balance;

	/// The fixed deposit a challenge (of a result, a score) costs while it is decided.
	fn challenge_deposit() -> Self::Balance;

	/// Holds [`Self::challenge_deposit`] from `who`'s free balance. Fails, changing nothing,
	/// if it cannot be covered.
	fn hold_challenge_deposit(who: &AccountId) -> Result<(), DispatchError>;

	/// Ends a challenge by `who`: an upheld one gets its deposit back, a failed one loses it
	/// to the slash destination.
	fn settle_challenge_deposit(who: &AccountId, upheld: bool);

	/// Adds a task outcome to the track record of `who`. Does nothing for an account that has
	/// never registered as a worker. `Done` ends a run of consecutive misses.
	fn record_outcome(who: &AccountId, outcome: TaskOutcome);

	/// The longest window, in blocks, in which any pallet may still report an offence after
	/// the misbehaviour. Stake unbonds more slowly than this, so nobody unbonds out of a slash;
	/// a pallet's `integrity_test` should check its own windows against it.
	fn longest_offence_window() -> u32;

	/// Blocks between a cancellable offence's report and its slash. A pallet that cancels
	/// offences on a later proof (a challenge) must decide within this many blocks; its
	/// `integrity_test` checks that.
	fn slash_defer_duration() -> u32;

	/// Makes `who` a drawable worker with enough stake, funding it as needed, so other
	/// pallets' benchmarks can set up workers without knowing how the registry works.
	/// Returns the worker key its off-chain worker would sign with.
	#[cfg(feature = "runtime-benchmarks")]
	fn make_benchmark_worker(_who: &AccountId) -> Result<AccountId, DispatchError> {
		Err(DispatchError::Other("WorkerRegistry::make_benchmark_worker not implemented"))
	}
}

/// The share of stake a slashing span takes, from the largest severity of each offence kind
/// reported in it: the non-liveness kinds add up, the liveness kinds add up to at most
/// `liveness_cap`, and the total saturates at 100 %.
///
/// The one rule behind every slash: the staking pallet applies it and [`mock::MockWorkers`]
/// mirrors it.
pub fn span_severity(largest: impl IntoIterator<Item = (OffenceKind, Perbill)>, liveness_cap: Perbill) -> Perbill {
	let mut liveness = Perbill::zero();
	let mut other = Perbill::zero();
	for (kind, severity) in largest {
		if kind.is_liveness() {
			liveness = liveness.saturating_add(severity);
		} else {
			other = other.saturating_add(severity);
		}
	}
	other.saturating_add(liveness.min(liveness_cap))
}

/// A [`WorkerRegistry`] for other pallets' unit tests, with thread-local state.
///
/// Each test thread has its own registry, so tests running in parallel do not interfere. It
/// behaves like `pallet-ml-staking` where the market pallets can tell, and is predictable
/// where they cannot:
///
/// - [`select_workers`](WorkerRegistry::select_workers) returns the first `n` active workers
///   in the order they were added (the seed is recorded but ignored), or the list set with
///   [`MockWorkers::set_selection`]; `select_workers_where` the first `n` eligible ones among
///   the first `max_examined`;
/// - a worker's key is set with [`MockWorkers::set_key`] (none by default);
/// - [`report_offence`](WorkerRegistry::report_offence) records the report and **defers** the
///   slash like the real pallet: nothing is taken until the test calls
///   [`MockWorkers::apply_slashes`], which takes each worker's span (largest severity per
///   kind, liveness capped by [`MockWorkers::set_liveness_cap`], [`span_severity`]) from its
///   stake; a `WrongAnswer` report deactivates the worker at once, as the real pallet
///   chills it; [`cancel_offence`](WorkerRegistry::cancel_offence) removes a pending one;
/// - challenge deposits are recorded (held, then returned or forfeited), claw-backs too.
///
/// ```
/// use modelchain_primitives::traits::{mock::MockWorkers, OffenceKind, OffenceReport, WorkerRegistry};
/// use polkadot_sdk::sp_runtime::Perbill;
///
/// type Workers = MockWorkers<u64, u128>;
/// Workers::reset();
/// Workers::set_workers(&[(1, 1_000), (2, 1_000), (3, 1_000)]);
/// assert_eq!(Workers::select_workers([0; 32], 2).unwrap(), vec![1, 2]);
/// let miss = OffenceReport { offender: 2, kind: OffenceKind::MissedTask, severity: Perbill::from_percent(10), task: None, reporter: None };
/// assert_eq!(Workers::report_offence(miss.clone()), Ok(100));
/// // A second miss in the same span does not add up.
/// assert_eq!(Workers::report_offence(miss), Ok(100));
/// assert_eq!(Workers::stake_of(&2), 1_000);
/// assert_eq!(Workers::apply_slashes(), vec![(2, 100)]);
/// assert_eq!(Workers::stake_of(&2), 900);
/// ```
#[cfg(feature = "std")]
// Test support, compiled only with `std` and never into the runtime: a broken mock must fail
// the test that uses it loudly.
#[allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	clippy::type_complexity
)]
pub mod mock {
	use super::*;
	use core::{cell::RefCell, marker::PhantomData};
	use polkadot_sdk::sp_runtime::traits::AtLeast32BitUnsigned;

	/// A worker in the mock registry: encoded account and key, stake, whether active.
	#[derive(Clone)]
	struct Entry {
		who: Vec<u8>,
		key: Option<Vec<u8>>,
		stake: u128,
		active: bool,
	}

	/// A reported offence not yet applied or cancelled.
	#[derive(Clone)]
	struct Pending {
		who: Vec<u8>,
		kind: OffenceKind,
		severity: Perbill,
		task: Option<TaskRef>,
	}

	struct State {
		workers: Vec<Entry>,
		selection: Option<Vec<Vec<u8>>>,
		seeds: Vec<[u8; 32]>,
		reports: Vec<(Vec<u8>, OffenceKind, Perbill, Option<TaskRef>, Option<Vec<u8>>)>,
		pending: Vec<Pending>,
		cancelled: Vec<(Vec<u8>, OffenceKind, TaskRef)>,
		claw_backs: Vec<(Vec<u8>, Vec<u8>, u128)>,
		deposits_held: Vec<Vec<u8>>,
		deposits_settled: Vec<(Vec<u8>, bool)>,
		deposit: u128,
		deposit_error: Option<DispatchError>,
		liveness_cap: Perbill,
		outcomes: Vec<(Vec<u8>, TaskOutcome)>,
		offence_error: Option<DispatchError>,
		longest_offence_window: u32,
		slash_defer_duration: u32,
	}

	impl Default for State {
		fn default() -> Self {
			State {
				workers: Vec::new(),
				selection: None,
				seeds: Vec::new(),
				reports: Vec::new(),
				pending: Vec::new(),
				cancelled: Vec::new(),
				claw_backs: Vec::new(),
				deposits_held: Vec::new(),
				deposits_settled: Vec::new(),
				deposit: 1_000,
				deposit_error: None,
				liveness_cap: Perbill::one(),
				outcomes: Vec::new(),
				offence_error: None,
				// Every window fits until a test says otherwise, so `integrity_test`s pass.
				longest_offence_window: u32::MAX,
				slash_defer_duration: u32::MAX,
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

	/// The span amount of `who` under the pending offences, as the real pallet computes it.
	fn span_amount(s: &State, who: &[u8]) -> u128 {
		let stake = s.workers.iter().find(|e| e.who == who).map_or(0, |e| e.stake);
		let largest = OffenceKind::ALL.iter().map(|kind| {
			let max = s
				.pending
				.iter()
				.filter(|p| p.who == who && p.kind == *kind)
				.map(|p| p.severity)
				.max()
				.unwrap_or_else(Perbill::zero);
			(*kind, max)
		});
		span_severity(largest, s.liveness_cap).mul_floor(stake)
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

		/// Replaces the worker set: every account is active with the given stake and no key.
		pub fn set_workers(workers: &[(AccountId, Balance)]) {
			STATE.with(|s| {
				s.borrow_mut().workers = workers
					.iter()
					.map(|(who, stake)| Entry {
						who: who.encode(),
						key: None,
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
					None => s.workers.push(Entry { who, key: None, stake, active: true }),
				}
			});
		}

		/// Names `key` as the worker key of `stash` (which must have been added).
		pub fn set_key(stash: &AccountId, key: &AccountId) {
			let (stash, key) = (stash.encode(), key.encode());
			STATE.with(|s| {
				s.borrow_mut().workers.iter_mut().filter(|e| e.who == stash).for_each(|e| e.key = Some(key.clone()))
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

		/// Makes every later `hold_challenge_deposit` fail with `error` (or succeed with `None`).
		pub fn set_deposit_error(error: Option<DispatchError>) {
			STATE.with(|s| s.borrow_mut().deposit_error = error);
		}

		/// Sets what `challenge_deposit` returns (1,000 by default).
		pub fn set_challenge_deposit(amount: Balance) {
			STATE.with(|s| s.borrow_mut().deposit = amount.unique_saturated_into());
		}

		/// Sets the cap of liveness severities per span (100 % by default).
		pub fn set_liveness_cap(cap: Perbill) {
			STATE.with(|s| s.borrow_mut().liveness_cap = cap);
		}

		/// Sets what `longest_offence_window` returns (`u32::MAX` by default).
		pub fn set_longest_offence_window(blocks: u32) {
			STATE.with(|s| s.borrow_mut().longest_offence_window = blocks);
		}

		/// Sets what `slash_defer_duration` returns (`u32::MAX` by default).
		pub fn set_slash_defer_duration(blocks: u32) {
			STATE.with(|s| s.borrow_mut().slash_defer_duration = blocks);
		}

		/// Applies every pending span, as the real pallet does when the deferral ends: each
		/// offender loses its span amount. Returns `(offender, amount)` in report order.
		pub fn apply_slashes() -> Vec<(AccountId, Balance)> {
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				let mut offenders: Vec<Vec<u8>> = Vec::new();
				for p in s.pending.iter() {
					if !offenders.contains(&p.who) {
						offenders.push(p.who.clone());
					}
				}
				let mut applied = Vec::new();
				for who in offenders {
					let amount = span_amount(&s, &who);
					if let Some(e) = s.workers.iter_mut().find(|e| e.who == who) {
						e.stake = e.stake.saturating_sub(amount);
					}
					applied.push((decode(&who), Balance::unique_saturated_from(amount)));
				}
				s.pending.clear();
				applied
			})
		}

		/// Every offence reported so far: offender, severity, kind, task, reporter.
		#[allow(clippy::type_complexity)]
		pub fn offences() -> Vec<(AccountId, Perbill, OffenceKind, Option<TaskRef>, Option<AccountId>)> {
			STATE.with(|s| {
				s.borrow()
					.reports
					.iter()
					.map(|(w, k, p, t, r)| (decode(w), *p, *k, *t, r.as_ref().map(|r| decode(r))))
					.collect()
			})
		}

		/// The span amount each offender with pending offences would lose now.
		pub fn pending_slash(who: &AccountId) -> Balance {
			let who = who.encode();
			STATE.with(|s| Balance::unique_saturated_from(span_amount(&s.borrow(), &who)))
		}

		/// Offences cancelled so far: offender, kind, task.
		pub fn cancelled() -> Vec<(AccountId, OffenceKind, TaskRef)> {
			STATE.with(|s| s.borrow().cancelled.iter().map(|(w, k, t)| (decode(w), *k, *t)).collect())
		}

		/// Claw-backs so far: offender, beneficiary, amount paid.
		pub fn claw_backs() -> Vec<(AccountId, AccountId, Balance)> {
			STATE.with(|s| {
				s.borrow()
					.claw_backs
					.iter()
					.map(|(f, t, a)| (decode(f), decode(t), Balance::unique_saturated_from(*a)))
					.collect()
			})
		}

		/// Challenge deposits still held, by challenger.
		pub fn deposits_held() -> Vec<AccountId> {
			STATE.with(|s| s.borrow().deposits_held.iter().map(|w| decode(w)).collect())
		}

		/// Settled challenge deposits: challenger, whether the challenge was upheld (returned)
		/// or not (forfeited).
		pub fn deposits_settled() -> Vec<(AccountId, bool)> {
			STATE.with(|s| s.borrow().deposits_settled.iter().map(|(w, u)| (decode(w), *u)).collect())
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

		fn worker_of_key(key: &AccountId) -> Option<AccountId> {
			let key = key.encode();
			STATE.with(|s| s.borrow().workers.iter().find(|e| e.key.as_ref() == Some(&key)).map(|e| decode(&e.who)))
		}

		fn key_of_worker(stash: &AccountId) -> Option<AccountId> {
			let stash = stash.encode();
			STATE.with(|s| {
				s.borrow().workers.iter().find(|e| e.who == stash).and_then(|e| e.key.as_ref().map(|k| decode(k)))
			})
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

		fn select_workers_where(
			seed: [u8; 32],
			n: u32,
			max_examined: u32,
			mut eligible: impl FnMut(&AccountId) -> bool,
		) -> Result<Vec<AccountId>, DispatchError> {
			let pool: Vec<Vec<u8>> = STATE.with(|s| {
				let mut s = s.borrow_mut();
				s.seeds.push(seed);
				match &s.selection {
					Some(selection) => selection.clone(),
					None => s.workers.iter().filter(|e| e.active).map(|e| e.who.clone()).collect(),
				}
			});
			// In list order, like `select_workers`, skipping the ineligible within the budget.
			let picked: Vec<AccountId> = pool
				.iter()
				.take(max_examined as usize)
				.map(|w| decode::<AccountId>(w))
				.filter(|w| eligible(w))
				.take(n as usize)
				.collect();
			if picked.len() < n as usize {
				return Err(DispatchError::Other("MockWorkers: not enough eligible workers"));
			}
			Ok(picked)
		}

		fn report_offence(report: OffenceReport<AccountId>) -> Result<Balance, DispatchError> {
			let who = report.offender.encode();
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
				if report.kind == OffenceKind::WrongAnswer {
					entry.active = false;
				}
				s.reports.push((
					who.clone(),
					report.kind,
					report.severity,
					report.task,
					report.reporter.as_ref().map(|r| r.encode()),
				));
				s.pending.push(Pending {
					who: who.clone(),
					kind: report.kind,
					severity: report.severity,
					task: report.task,
				});
				Ok(Balance::unique_saturated_from(span_amount(&s, &who)))
			})
		}

		fn cancel_offence(offender: &AccountId, kind: OffenceKind, task: TaskRef) -> bool {
			let who = offender.encode();
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				let Some(index) = s.pending.iter().position(|p| p.who == who && p.kind == kind && p.task == Some(task))
				else {
					return false;
				};
				s.pending.remove(index);
				s.cancelled.push((who, kind, task));
				true
			})
		}

		fn claw_back(offender: &AccountId, beneficiary: &AccountId, amount: Balance) -> Balance {
			let (who, to) = (offender.encode(), beneficiary.encode());
			let amount: u128 = amount.unique_saturated_into();
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				let Some(entry) = s.workers.iter_mut().find(|e| e.who == who) else { return Balance::zero() };
				let taken = amount.min(entry.stake);
				entry.stake = entry.stake.saturating_sub(taken);
				s.claw_backs.push((who, to, taken));
				Balance::unique_saturated_from(taken)
			})
		}

		fn challenge_deposit() -> Balance {
			STATE.with(|s| Balance::unique_saturated_from(s.borrow().deposit))
		}

		fn hold_challenge_deposit(who: &AccountId) -> Result<(), DispatchError> {
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				if let Some(error) = s.deposit_error {
					return Err(error);
				}
				s.deposits_held.push(who.encode());
				Ok(())
			})
		}

		fn settle_challenge_deposit(who: &AccountId, upheld: bool) {
			let who = who.encode();
			STATE.with(|s| {
				let mut s = s.borrow_mut();
				if let Some(index) = s.deposits_held.iter().position(|w| *w == who) {
					s.deposits_held.remove(index);
					s.deposits_settled.push((who, upheld));
				}
			})
		}

		fn record_outcome(who: &AccountId, outcome: TaskOutcome) {
			STATE.with(|s| s.borrow_mut().outcomes.push((who.encode(), outcome)));
		}

		fn longest_offence_window() -> u32 {
			STATE.with(|s| s.borrow().longest_offence_window)
		}

		fn slash_defer_duration() -> u32 {
			STATE.with(|s| s.borrow().slash_defer_duration)
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn make_benchmark_worker(who: &AccountId) -> Result<AccountId, DispatchError> {
			Self::add_worker(who, Balance::max_value());
			Self::set_key(who, who);
			Ok(decode(&who.encode()))
		}
	}

	#[cfg(test)]
	mod tests {
		use super::*;

		type Workers = MockWorkers<u64, u64>;

		fn report(who: u64, percent: u32, kind: OffenceKind, task: Option<u64>) -> Result<u64, DispatchError> {
			Workers::report_offence(OffenceReport {
				offender: who,
				kind,
				severity: Perbill::from_percent(percent),
				task: task.map(|id| TaskRef { domain: *b"test", id }),
				reporter: None,
			})
		}

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

			Workers::set_key(&1, &41);
			assert_eq!(Workers::worker_of_key(&41), Some(1));
			assert_eq!(Workers::key_of_worker(&1), Some(41));
			assert_eq!(Workers::worker_of_key(&1), None);

			Workers::record_outcome(&1, TaskOutcome::Agreed);
			assert_eq!(Workers::outcomes(), vec![(1, TaskOutcome::Agreed)]);
			Workers::set_longest_offence_window(42);
			assert_eq!(Workers::longest_offence_window(), 42);
			Workers::reset();
			assert_eq!(Workers::active_worker_count(), 0);
		}

		#[test]
		fn mock_defers_and_combines_slashes_like_the_pallet() {
			Workers::reset();
			Workers::set_workers(&[(1, 1_000), (2, 1_000)]);
			Workers::set_liveness_cap(Perbill::from_percent(3));
			assert_eq!(report(1, 2, OffenceKind::MissedTask, None), Ok(20));
			assert_eq!(report(1, 2, OffenceKind::MissedTask, None), Ok(20));
			// Stalling adds up with MissedTask, to the liveness cap.
			assert_eq!(report(1, 2, OffenceKind::Stalling, None), Ok(30));
			assert_eq!(report(1, 10, OffenceKind::WrongAnswer, Some(7)), Ok(130));
			assert!(!Workers::is_active_worker(&1), "a wrong answer chills at once");
			assert_eq!(Workers::stake_of(&1), 1_000, "nothing is taken before the deferral");
			assert!(Workers::cancel_offence(&1, OffenceKind::WrongAnswer, TaskRef { domain: *b"test", id: 7 }));
			assert!(!Workers::cancel_offence(&1, OffenceKind::WrongAnswer, TaskRef { domain: *b"test", id: 7 }));
			assert_eq!(Workers::pending_slash(&1), 30);
			assert!(report(9, 1, OffenceKind::MissedTask, None).is_err());
			Workers::set_offence_error(Some(DispatchError::Other("no")));
			assert!(report(2, 1, OffenceKind::MissedTask, None).is_err());
			Workers::set_offence_error(None);
			assert_eq!(Workers::apply_slashes(), vec![(1, 30)]);
			assert_eq!(Workers::stake_of(&1), 970);
			assert_eq!(Workers::apply_slashes(), vec![]);

			assert_eq!(Workers::claw_back(&2, &5, 1_500), 1_000);
			assert_eq!(Workers::claw_backs(), vec![(2, 5, 1_000)]);
			assert_eq!(Workers::hold_challenge_deposit(&5), Ok(()));
			assert_eq!(Workers::deposits_held(), vec![5]);
			Workers::settle_challenge_deposit(&5, false);
			assert_eq!(Workers::deposits_settled(), vec![(5, false)]);
			assert!(Workers::deposits_held().is_empty());
		}

		#[test]
		fn span_severity_takes_the_largest_per_kind_and_caps_liveness() {
			let p = Perbill::from_percent;
			let cap = p(2);
			assert_eq!(span_severity([(OffenceKind::MissedTask, p(1)), (OffenceKind::Stalling, p(5))], cap), p(2));
			assert_eq!(span_severity([(OffenceKind::WrongAnswer, p(10)), (OffenceKind::MissedTask, p(1))], cap), p(11));
			assert_eq!(
				span_severity([(OffenceKind::WrongAnswer, p(90)), (OffenceKind::BrokenReveal, p(50))], cap),
				p(100)
			);
			assert_eq!(span_severity([], cap), p(0));
		}
	}
}
