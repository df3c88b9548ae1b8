//! # ModelChain worker staking
//!
//! Workers bond ModelCoin to be assigned paid work (evaluating bounty submissions, answering
//! prediction requests). The bond is a hold on the worker's **stash** account under
//! [`HoldReason::Staking`], never a transfer; a separate **worker key** (`set_worker_key`) signs
//! the worker's answers, so the key a node keeps in its keystore never controls the stake.
//! Other pallets see the worker set through [`modelchain_primitives::traits::WorkerRegistry`]:
//! they draw workers for a task with [`Pallet::select_workers`] (only workers past
//! [`Config::ActivationDelay`]), record how each task ended, and report offences. A worker's
//! offences gather in one **slashing span** that takes the largest severity per offence kind
//! (liveness offences capped together) and is applied [`Config::SlashDeferDuration`] after it
//! opened, unless cancelled; a queue applies due spans a bounded number a block, so no report
//! is ever dropped.
//!
//! See the crate's `README.md` for the calls, constants and the exact slashing and selection
//! rules.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
#[cfg(any(test, feature = "try-runtime", feature = "std"))]
pub(crate) use slashing::SlashQueueOf;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dispatchable_impls;
mod hooks;
#[cfg(test)]
mod mock;
mod registry;
pub mod selection;
pub mod slashing;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use polkadot_sdk::{frame_support, frame_system, sp_runtime};

#[frame_support::pallet]
// The FRAME macros expand to `expect`s on values they construct themselves (storage prefixes,
// pallet info); the pallet's own logic lives outside this module, under the full lint wall.
#[allow(clippy::expect_used)]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, BuildGenesisConfig, EnsureOrigin, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;
	use modelchain_primitives::queue::QueueBounds;

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The staked currency (ModelCoin). Stakes are holds under [`HoldReason::Staking`] and
		/// slashes take from that hold.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::Balanced<Self::AccountId>
			+ fungible::hold::Mutate<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::hold::Balanced<Self::AccountId>;

		/// The runtime's hold reason, which includes this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Receives slashed funds (e.g. the treasury), after the reporters' reward. Whatever it
		/// does not deposit somewhere is burnt.
		type OnSlash: OnUnbalanced<CreditOf<Self>>;

		/// May cancel a pending slash before it is applied (root or governance).
		type SlashCancelOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Smallest non-zero active bond. Keeps dust ledgers out of storage.
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// Active bond a worker needs to register and keep while registered. It is the price of
		/// one seat in the uniform worker draw, so it prices a Sybil seat.
		#[pallet::constant]
		type MinWorkerBond: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and the stake becoming withdrawable; it stays slashable
		/// until then. Must exceed `LongestOffenceWindow + SlashDeferDuration`.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Blocks between a span's opening report (or its latest cancellable report) and its
		/// slash, in which `SlashCancelOrigin` or a market pallet's proof can cancel it. At
		/// least one block.
		#[pallet::constant]
		type SlashDeferDuration: Get<BlockNumberFor<Self>>;

		/// The longest time after a misbehaviour in which any pallet may still report it. Other
		/// pallets check their own windows against it in their `integrity_test`.
		#[pallet::constant]
		type LongestOffenceWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after `register_worker` before the worker can be drawn. Longer than any
		/// market pallet's look-ahead between the randomness of a draw becoming known and the
		/// draw, so nobody can register into a draw it can predict.
		#[pallet::constant]
		type ActivationDelay: Get<BlockNumberFor<Self>>;

		/// Consecutive liveness offences (no `Done` task in between) after which a worker is
		/// chilled, so an offline worker stops being drawn.
		#[pallet::constant]
		type MaxConsecutiveMisses: Get<u32>;

		/// Most a span's liveness offences (missed tasks, stalling) take together, as a share
		/// of stake: an outage costs at most this per span however many tasks it missed.
		#[pallet::constant]
		type LivenessSlashCap: Get<Perbill>;

		/// Share of an applied slash paid to the reporters of its cancellable offences (the
		/// challengers that proved them), split equally; the rest goes to `OnSlash`.
		#[pallet::constant]
		type SlashRewardFraction: Get<Perbill>;

		/// The fixed deposit of a challenge: lost to `OnSlash` if the challenge fails, returned
		/// if it is upheld.
		#[pallet::constant]
		type ChallengeDeposit: Get<BalanceOf<Self>>;

		/// Most unbonding chunks an account can have at once.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Most workers registered at once.
		#[pallet::constant]
		type MaxWorkers: Get<u32>;

		/// Most cancellable offences a span records one by one (with task and reporter); later
		/// ones in the same span still raise its severity but can no longer be cancelled
		/// individually.
		#[pallet::constant]
		type MaxTrackedOffences: Get<u32>;

		/// Most slash-queue entries handled in one block's `on_initialize`; the rest wait for
		/// the next block.
		#[pallet::constant]
		type MaxSlashesPerBlock: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Stake bonded by a worker, active or unbonding.
		#[codec(index = 0)]
		Staking,
		/// The deposit of a challenge being decided.
		#[codec(index = 1)]
		ChallengeDeposit,
	}

	/// Bonded stake of each stash: active and unbonding chunks.
	#[pallet::storage]
	pub type Ledger<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, StakingLedger<T>, OptionQuery>;

	/// Sum of every ledger's active and unbonding stake.
	#[pallet::storage]
	pub type TotalStaked<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// The worker key of each stash: the account whose signature counts as the worker's.
	#[pallet::storage]
	pub type WorkerKeys<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// The stash of each worker key (the reverse of [`WorkerKeys`]).
	#[pallet::storage]
	pub type KeyOwner<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// Registered workers in registration order with the block from which each can be drawn:
	/// the population of the worker draw.
	#[pallet::storage]
	pub type ActiveWorkers<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, BlockNumberFor<T>), T::MaxWorkers>, ValueQuery>;

	/// Registration details of each registered worker; present exactly for `ActiveWorkers`.
	#[pallet::storage]
	pub type Workers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WorkerInfo<BlockNumberFor<T>>, OptionQuery>;

	/// Track record of every account that has ever registered as a worker.
	#[pallet::storage]
	pub type WorkerRecords<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WorkerRecord<BalanceOf<T>>, OptionQuery>;

	/// The open slashing span of each worker with offences not yet applied or cancelled.
	#[pallet::storage]
	pub type UnappliedSlashes<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, SpanSlash<T>, OptionQuery>;

	/// Spans that may be due, in due order; `on_initialize` applies them from the head.
	#[pallet::storage]
	pub type SlashQueue<T: Config> =
		StorageMap<_, Twox64Concat, u64, SlashDue<T::AccountId, BlockNumberFor<T>>, OptionQuery>;

	/// Head and tail of [`SlashQueue`].
	#[pallet::storage]
	pub type SlashQueueBounds<T: Config> = StorageValue<_, QueueBounds, ValueQuery>;

	/// Challenge deposits each account has held (one per challenge being decided).
	#[pallet::storage]
	pub type ChallengeDeposits<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `amount` was bonded (first bond or `bond_extra`) by stash `who` and is now held.
		Bonded { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` left the active bond; it stays held and slashable until `unlock_at`.
		Unbonded { who: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Unlocked stake was released to the owner's free balance.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// Stash `stash` named `key` as its worker key (replacing any earlier key).
		WorkerKeySet { stash: T::AccountId, key: T::AccountId },
		/// `key` bonded stake itself, so it stopped being `stash`'s worker key (a registered
		/// `stash` is chilled until it names a new key and registers again).
		WorkerKeyRevoked { stash: T::AccountId, key: T::AccountId },
		/// The stash registered as a worker; it can be drawn from block `drawable_from`.
		WorkerRegistered { who: T::AccountId, drawable_from: BlockNumberFor<T> },
		/// The worker stopped being a worker at its own request; its stake stays bonded.
		Chilled { who: T::AccountId },
		/// The worker was removed from the draw because of an offence (`reason`): at once for a
		/// wrong answer, after `MaxConsecutiveMisses` liveness offences. It must re-register.
		ChilledForOffence { who: T::AccountId, reason: OffenceKind },
		/// A slash left the worker's active bond below `MinWorkerBond`, so it was deregistered.
		ChilledAfterSlash { who: T::AccountId, active: BalanceOf<T> },
		/// An offence joined `who`'s slashing span; the span now slashes `span_amount` at block
		/// `apply_at` unless cancelled.
		OffenceReported {
			who: T::AccountId,
			reason: OffenceKind,
			severity: Perbill,
			task: Option<TaskRef>,
			span_amount: BalanceOf<T>,
			apply_at: BlockNumberFor<T>,
		},
		/// A proof (an upheld challenge) cancelled `who`'s offence in `task`; the span now
		/// slashes `span_amount`.
		OffenceCancelled { who: T::AccountId, reason: OffenceKind, task: TaskRef, span_amount: BalanceOf<T> },
		/// A span was applied: `amount` was taken from the offender's stake, `reward` of it paid
		/// to the reporters and the rest sent to `OnSlash`.
		SlashApplied { who: T::AccountId, amount: BalanceOf<T>, reward: BalanceOf<T> },
		/// Governance cancelled `who`'s whole pending span (`amount` would have been slashed).
		SlashCancelled { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of a proven-wrong worker's stake was returned to `to` (fees it was paid).
		ClawedBack { from: T::AccountId, to: T::AccountId, amount: BalanceOf<T> },
		/// A challenge deposit of `amount` was held from `who`.
		ChallengeDepositHeld { who: T::AccountId, amount: BalanceOf<T> },
		/// The challenge was upheld: its deposit went back to `who`.
		ChallengeDepositReturned { who: T::AccountId, amount: BalanceOf<T> },
		/// The challenge failed: its deposit was taken and sent to `OnSlash`.
		ChallengeDepositForfeited { who: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account has already bonded; use `bond_extra` to add stake.
		AlreadyBonded,
		/// The account has not bonded anything.
		NotBonded,
		/// The amount must not be zero.
		ZeroAmount,
		/// The active bond would be non-zero but below `MinBond`.
		BelowMinBond,
		/// The account's free balance cannot cover this (it must also keep the existential
		/// deposit).
		InsufficientBalance,
		/// Cannot unbond more than the active bond.
		InsufficientActiveBond,
		/// Unbonding this much would leave a registered worker below `MinWorkerBond`; `chill`
		/// first.
		ChillBeforeUnbonding,
		/// The account already has `MaxUnbondingChunks` chunks; withdraw unlocked ones or wait
		/// until the next block to merge into a fresh chunk.
		TooManyUnbondingChunks,
		/// No unbonding chunk has reached its unlock block yet.
		NothingToWithdraw,
		/// A slash against the account is pending; nothing can be withdrawn until it is applied
		/// or cancelled.
		PendingSlash,
		/// The account is already a registered worker.
		AlreadyWorker,
		/// The account is not a registered worker.
		NotWorker,
		/// The active bond is below `MinWorkerBond`; `bond_extra` first.
		BelowMinWorkerBond,
		/// `MaxWorkers` workers are already registered.
		TooManyWorkers,
		/// Fewer workers are drawable than the task needs.
		NotEnoughWorkers,
		/// No slash is pending against this account.
		NoPendingSlash,
		/// Set a worker key first (`set_worker_key`): the stash itself never signs answers.
		NoWorkerKey,
		/// The worker key must be another account than the stash, so the node's keystore never
		/// holds the key that controls the stake.
		KeyIsStash,
		/// This account is another stash's worker key; pick a fresh key.
		KeyInUse,
		/// This account has bonded stake, so it cannot be a worker key; pick a fresh key.
		KeyIsBonded,
		/// No challenge deposit of this account is held.
		NoChallengeDeposit,
	}

	/// Workers bonded and registered at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each `(stash, worker key, bond)`: the stash bonds the amount (at least
		/// `MinWorkerBond`, from its genesis balance), names the key and registers as a worker,
		/// drawable from genesis.
		pub workers: Vec<(T::AccountId, T::AccountId, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::build_genesis(&self.workers);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::do_on_initialize(now)
		}

		fn integrity_test() {
			Self::do_integrity_test()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Bonds `value` from the caller's (the stash's) free balance, at least `MinBond`, held
		/// under the staking hold reason. The caller must not have bonded already. If another
		/// stash had named the caller as its worker key, that claim is dropped.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::max_bond_weight())]
		pub fn bond(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let weight = Self::bond_weight(&who);
			Self::do_bond(who, value).map(|()| Some(weight).into()).map_err(|e| e.into())
		}

		/// Adds `value` to the caller's active bond.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, value)
		}

		/// Starts unbonding `value` of the active bond. It stays held and slashable for
		/// `UnbondingPeriod` blocks, then `withdraw_unbonded` releases it. A worker must keep
		/// `MinWorkerBond` active (chill first), and a non-zero remainder must reach `MinBond`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond(T::MaxUnbondingChunks::get()))]
		pub fn unbond(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who, value)
		}

		/// Releases every unbonding chunk whose unlock block has come. Removes the ledger (and
		/// the worker key) when nothing is left. Refused while a slash against the caller is
		/// pending.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Registers the caller (a bonded stash with a worker key and `MinWorkerBond` active)
		/// as a worker. It enters the draw `ActivationDelay` blocks later.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::register_worker(T::MaxWorkers::get()))]
		pub fn register_worker(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_register_worker(who)
		}

		/// Stops being a worker: no new tasks are assigned. The stake stays bonded, and
		/// slashable for offences already committed.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::chill(T::MaxWorkers::get()))]
		pub fn chill(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_chill(who)
		}

		/// Cancels the whole pending slashing span of `who`, e.g. one reported by mistake. Only
		/// `SlashCancelOrigin`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::cancel_slash())]
		pub fn cancel_slash(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::SlashCancelOrigin::ensure_origin(origin)?;
			Self::do_cancel_slash(who)
		}

		/// Names `key` as the caller's (the stash's) worker key: the account whose signed
		/// answers count as this worker's. The node running the worker keeps only this key
		/// (key type `mlwk`), never the stash's. The key must be a fresh account: not the
		/// stash, not bonded, not another stash's key. Takes effect at once.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_worker_key())]
		pub fn set_worker_key(origin: OriginFor<T>, key: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_worker_key(who, key)
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The pending slashing span of `who`, if any.
		pub fn pending_slash(who: T::AccountId) -> Option<SpanSlash<T>> {
			UnappliedSlashes::<T>::get(who)
		}

		/// The stash whose worker key is `key`.
		pub fn stash_of_key(key: T::AccountId) -> Option<T::AccountId> {
			KeyOwner::<T>::get(key)
		}
	}
}

pub use modelchain_primitives::traits::{OffenceKind, OffenceReport, TaskOutcome, TaskRef, WorkerRegistry};
pub use sp_runtime::Perbill;
