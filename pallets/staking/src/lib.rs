//! # ModelChain worker staking
//!
//! Workers bond ModelCoin to be assigned paid work (evaluating bounty submissions, answering
//! prediction requests). The bond is a hold on the worker's own account under
//! [`HoldReason::Staking`], never a transfer. Other pallets see the worker set through
//! [`modelchain_primitives::traits::WorkerRegistry`]: they draw workers for a task with
//! [`Pallet::select_workers`], record how each task ended, and report offences, which slash a
//! fraction of the offender's stake after [`Config::SlashDeferDuration`] unless governance
//! cancels the slash.
//!
//! See the crate's `README.md` for the calls, constants and the exact slashing and selection
//! rules.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
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

/// How many consecutive blocks, starting at the one `SlashDeferDuration` after the report,
/// are tried for a free place in the slash schedule before reporting an offence fails.
pub const SLASH_SCHEDULE_LOOKAHEAD: u32 = 32;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, BuildGenesisConfig, EnsureOrigin, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;

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
			+ fungible::hold::Mutate<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::hold::Balanced<Self::AccountId>;

		/// The runtime's hold reason, which includes this pallet's.
		type RuntimeHoldReason: From<HoldReason>;

		/// Receives slashed funds (e.g. the treasury). Whatever it does not deposit somewhere is
		/// burnt.
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

		/// Blocks between an offence report and its slash, in which `SlashCancelOrigin` can
		/// cancel a wrong report. Zero applies slashes at once.
		#[pallet::constant]
		type SlashDeferDuration: Get<BlockNumberFor<Self>>;

		/// The longest time after a misbehaviour in which any pallet may still report it. Other
		/// pallets check their own windows against it in their `integrity_test`.
		#[pallet::constant]
		type LongestOffenceWindow: Get<BlockNumberFor<Self>>;

		/// Most unbonding chunks an account can have at once.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Most workers registered at once.
		#[pallet::constant]
		type MaxWorkers: Get<u32>;

		/// Most slashes applied in one block's `on_initialize`.
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
	}

	/// Bonded stake of each account: active, unbonding chunks and pending slash count.
	#[pallet::storage]
	pub type Ledger<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, StakingLedger<T>, OptionQuery>;

	/// Sum of every ledger's active and unbonding stake.
	#[pallet::storage]
	pub type TotalStaked<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Registered workers in registration order, the population of the worker draw.
	#[pallet::storage]
	pub type ActiveWorkers<T: Config> = StorageValue<_, BoundedVec<T::AccountId, T::MaxWorkers>, ValueQuery>;

	/// Registration details of each registered worker; present exactly for `ActiveWorkers`.
	#[pallet::storage]
	pub type Workers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WorkerInfo<BlockNumberFor<T>>, OptionQuery>;

	/// Track record of every account that has ever registered as a worker.
	#[pallet::storage]
	pub type WorkerRecords<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, WorkerRecord<BalanceOf<T>>, OptionQuery>;

	/// Identifier the next reported offence's slash gets.
	#[pallet::storage]
	pub type NextSlashId<T: Config> = StorageValue<_, SlashId, ValueQuery>;

	/// Slashes reported but not yet applied, by identifier.
	#[pallet::storage]
	pub type PendingSlashes<T: Config> = StorageMap<_, Twox64Concat, SlashId, PendingSlash<T>, OptionQuery>;

	/// The pending slashes each block's `on_initialize` applies.
	#[pallet::storage]
	pub type SlashSchedule<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, BoundedVec<SlashId, T::MaxSlashesPerBlock>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `amount` was bonded (first bond or `bond_extra`) and is now held.
		Bonded { who: T::AccountId, amount: BalanceOf<T> },
		/// `amount` left the active bond; it stays held and slashable until `unlock_at`.
		Unbonded { who: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Unlocked stake was released to the owner's free balance.
		Withdrawn { who: T::AccountId, amount: BalanceOf<T> },
		/// The account registered as a worker and can be drawn for tasks.
		WorkerRegistered { who: T::AccountId },
		/// The worker stopped being a worker at its own request; its stake stays bonded.
		Chilled { who: T::AccountId },
		/// A slash left the worker's active bond below `MinWorkerBond`, so it was deregistered.
		ChilledAfterSlash { who: T::AccountId, active: BalanceOf<T> },
		/// An offence was reported; `amount` will be slashed in block `apply_at` unless
		/// cancelled (or was slashed at once when `apply_at` is the current block).
		OffenceReported {
			slash_id: SlashId,
			who: T::AccountId,
			reason: OffenceKind,
			severity: Perbill,
			amount: BalanceOf<T>,
			apply_at: BlockNumberFor<T>,
		},
		/// A slash was applied: `amount` was taken from the offender's stake and sent to
		/// `OnSlash`.
		SlashApplied { slash_id: SlashId, who: T::AccountId, amount: BalanceOf<T> },
		/// Governance cancelled a pending slash; nothing was taken.
		SlashCancelled { slash_id: SlashId, who: T::AccountId, amount: BalanceOf<T> },
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
		/// The account's free balance cannot cover this bond (it must also keep the existential
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
		/// Fewer workers are registered than the task needs.
		NotEnoughWorkers,
		/// No pending slash has this identifier (never reported, applied or cancelled).
		UnknownSlash,
		/// Every block in the schedule's lookahead already holds `MaxSlashesPerBlock` slashes.
		SlashScheduleFull,
	}

	/// Workers bonded and registered at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each account bonds the amount (at least `MinWorkerBond`, from its genesis balance)
		/// and registers as a worker.
		pub workers: Vec<(T::AccountId, BalanceOf<T>)>,
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

	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// How many consecutive blocks are tried for a free place in the slash schedule.
		#[allow(non_snake_case)]
		fn SlashScheduleLookahead() -> u32 {
			SLASH_SCHEDULE_LOOKAHEAD
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Bonds `value` from the caller's free balance (at least `MinBond`), held under the
		/// staking hold reason. The caller must not have bonded already.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(origin: OriginFor<T>, #[pallet::compact] value: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond(who, value)
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

		/// Releases every unbonding chunk whose unlock block has come. Removes the ledger when
		/// nothing is left. Refused while a slash against the caller is pending.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Registers the caller as a worker, to be drawn for tasks. Needs `MinWorkerBond` active.
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

		/// Cancels a pending slash, e.g. one reported by mistake. Only `SlashCancelOrigin`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::cancel_slash(T::MaxSlashesPerBlock::get()))]
		pub fn cancel_slash(origin: OriginFor<T>, slash_id: SlashId) -> DispatchResultWithPostInfo {
			T::SlashCancelOrigin::ensure_origin(origin)?;
			Self::do_cancel_slash(slash_id)
		}
	}
}

pub use modelchain_primitives::traits::{OffenceKind, TaskOutcome, WorkerRegistry};
pub use sp_runtime::Perbill;
