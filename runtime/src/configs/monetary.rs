//! ModelCoin: balances, transaction fees and the treasury that receives fees and slashes.

use crate::*;
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{
			tokens::{imbalance::ResolveTo, PayFromAccount, UnityAssetBalanceConversion},
			ConstU32, ConstU8, VariantCountOf,
		},
		weights::{ConstantMultiplier, IdentityFee},
		PalletId,
	},
	frame_system::EnsureRoot,
	pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment},
	sp_runtime::{
		traits::{AccountIdConversion, Bounded, IdentityLookup, One},
		FixedPointNumber, Permill, Perquintill,
	},
};

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// Fees rise while blocks are more than a quarter full and fall back otherwise (Polkadot's
	/// `SlowAdjustingFeeUpdate` target): a flood of requests or answers pays more and more.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast (Polkadot's value): each block multiplies fees by about `1 + v·s + v²·s²/2`,
	/// `s` the block's fullness minus the target; a day of full blocks (s = 0.75 for 14,400
	/// blocks) multiplies them by about e^0.8 ≈ 2.2.
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
	/// Fees never fall below the base fee the README quotes.
	pub MinimumMultiplier: Multiplier = Multiplier::one();
	/// No cap: a sustained flood keeps paying more.
	pub MaximumMultiplier: Multiplier = Bounded::max_value();
	/// One micro-MDC per byte of transaction.
	pub const TransactionByteFee: Balance = MICRO_MDC;
	pub const TreasuryPalletId: PalletId = PalletId(*b"mc/trsry");
	/// The treasury's account; fees and slashed stakes are paid into it.
	pub TreasuryAccount: AccountId = TreasuryPalletId::get().into_account_truncating();
}

/// Where transaction fees and slashed ModelCoin go: the treasury account. Nothing is burnt,
/// so total issuance changes only by explicit mints and burns.
pub type ToTreasury = ResolveTo<TreasuryAccount, Balances>;

/// Destination of every slash in ModelChain pallets (their `OnSlash`).
pub type OnSlash = ToTreasury;

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ToTreasury>;
	type OperationalFeeMultiplier = ConstU8<5>;
	/// One Planck per unit of ref-time weight: a transfer costs about 0.0002 MDC.
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate =
		TargetedFeeAdjustment<Self, TargetBlockFullness, AdjustmentVariable, MinimumMultiplier, MaximumMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const SpendPeriod: BlockNumber = DAYS;
	pub const Burn: Permill = Permill::zero();
	pub const PayoutSpendPeriod: BlockNumber = 30 * DAYS;
	pub const MaxBalance: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	type RejectOrigin = EnsureRoot<AccountId>;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = Burn;
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<32>;
	type SpendOrigin = frame_system::EnsureRootWithSuccess<AccountId, MaxBalance>;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutSpendPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type BlockNumberProvider = System;
}
