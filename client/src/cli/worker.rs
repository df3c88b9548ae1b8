//! `mlc worker …`: bond, set the worker key, register, unbond, withdraw, status.

use clap::Subcommand;
use serde_json::json;

use super::{model::submit, Ctx, Report};
use modelchain_client::{keys, modelchain, units};

#[derive(Debug, Subcommand)]
pub enum WorkerCommand {
	/// Bonds MDC from the --suri account (the stash); bonds more if already bonded.
	Bond {
		/// Amount in MDC.
		amount: String,
	},
	/// Sets the key the worker's node signs answers with (its `mlwk` key in the node's
	/// keystore).
	SetKey {
		/// The key's account: SS58, or a secret URI such as //Alice whose account is used.
		key: String,
	},
	/// Registers the stash as a worker (needs the minimum worker bond and a key).
	Register,
	/// Stops being drawn for new tasks (the stake stays bonded; `unbond` releases it).
	Chill,
	/// Starts unbonding MDC; it can be withdrawn after the unbonding period.
	Unbond {
		/// Amount in MDC.
		amount: String,
	},
	/// Withdraws everything whose unbonding period has passed.
	Withdraw,
	/// A worker's stake, unbonding chunks, pending slash and record.
	Status {
		/// The stash (SS58 or //Name); default: the --suri account.
		account: Option<String>,
	},
}

pub async fn run(ctx: &mut Ctx, command: WorkerCommand) -> anyhow::Result<Report> {
	let staking = modelchain::tx().ml_staking();
	let (included, what) = match command {
		WorkerCommand::Status { account } => return status(ctx, account).await,
		WorkerCommand::Bond { amount } => {
			let value = units::parse(&amount)?;
			let stash = keys::account(&ctx.signer()?);
			let at = ctx.client().await?.at_best().await?;
			let bonded = at.storage().try_fetch(modelchain::storage().ml_staking().ledger(), (stash,)).await?.is_some();
			let included = if bonded {
				submit(ctx, &staking.bond_extra(value), "bonding more").await?
			} else {
				submit(ctx, &staking.bond(value), "bonding").await?
			};
			(included, format!("bonded {}", units::format(value)))
		}
		WorkerCommand::SetKey { key } => {
			let key = keys::parse_account(&key)?;
			(
				submit(ctx, &staking.set_worker_key(key.clone()), "setting the worker key").await?,
				format!("worker key set to {key}"),
			)
		}
		WorkerCommand::Register => {
			(submit(ctx, &staking.register_worker(), "registering").await?, "registered as a worker".into())
		}
		WorkerCommand::Chill => {
			(submit(ctx, &staking.chill(), "chilling").await?, "no longer drawn for new tasks".into())
		}
		WorkerCommand::Unbond { amount } => {
			let value = units::parse(&amount)?;
			(submit(ctx, &staking.unbond(value), "unbonding").await?, format!("unbonding {}", units::format(value)))
		}
		WorkerCommand::Withdraw => {
			(submit(ctx, &staking.withdraw_unbonded(), "withdrawing").await?, "withdrew the unbonded stake".into())
		}
	};
	let events = included.event_names();
	Ok(Report::new(
		json!({ "done": what, "block": included.block_number, "events": events }),
		format!("{what} (block #{})", included.block_number),
	))
}

async fn status(ctx: &mut Ctx, account: Option<String>) -> anyhow::Result<Report> {
	let stash = match account {
		Some(a) => keys::parse_account(&a)?,
		None => keys::account(&ctx.signer()?),
	};
	let at = ctx.client().await?.at_best().await?;
	let storage = modelchain::storage().ml_staking();
	let ledger = at.storage().try_fetch(storage.ledger(), (stash.clone(),)).await?;
	let ledger = match ledger {
		Some(l) => Some(l.decode()?),
		None => None,
	};
	let key = at.storage().try_fetch(storage.worker_keys(), (stash.clone(),)).await?;
	let key = match key {
		Some(k) => Some(k.decode()?),
		None => None,
	};
	let registered = at.storage().try_fetch(storage.workers(), (stash.clone(),)).await?.is_some();
	let record = match at.storage().try_fetch(storage.worker_records(), (stash.clone(),)).await? {
		Some(r) => Some(r.decode()?),
		None => None,
	};
	let slash =
		modelchain_client::chain::view(&at, modelchain::view_functions().ml_staking().pending_slash(stash.clone()))
			.await?;
	let active = ledger.as_ref().map_or(0, |l| l.active);
	let unbonding: Vec<(u128, u32)> =
		ledger.as_ref().map(|l| l.unbonding.0.iter().map(|c| (c.value, c.unlock_at)).collect()).unwrap_or_default();
	let mut text = format!(
		"{stash}\n  registered: {}\n  worker key: {}\n  active:     {}",
		if registered { "yes" } else { "no" },
		key.as_ref().map_or("none".to_string(), |k: &subxt::utils::AccountId32| k.to_string()),
		units::format(active)
	);
	let now = at.block_number();
	for (value, at_block) in &unbonding {
		let when = if u64::from(*at_block) <= now {
			"withdrawable now".to_string()
		} else {
			format!("until block #{at_block}")
		};
		text.push_str(&format!("\n  unbonding:  {} {when}", units::format(*value)));
	}
	if let Some(s) = &slash {
		text.push_str(&format!("\n  pending slash: {} (applied at block #{})", units::format(s.amount), s.apply_at));
	}
	if let Some(r) = &record {
		text.push_str(&format!(
			"\n  record:     {} tasks done, {} agreed, {} disagreed, {} missed, {} offences, {} slashed",
			r.tasks_done,
			r.agreed,
			r.disagreed,
			r.missed,
			r.offences,
			units::format(r.total_slashed)
		));
	}
	Ok(Report::new(
		json!({
			"block": now,
			"stash": stash.to_string(),
			"registered": registered,
			"key": key.map(|k| k.to_string()),
			"active": active.to_string(),
			"unbonding": unbonding.iter().map(|(v, b)| json!({ "value": v.to_string(), "unlock_at": b })).collect::<Vec<_>>(),
			"pending_slash": slash.map(|s| json!({ "amount": s.amount.to_string(), "apply_at": s.apply_at })),
			"record": record.map(|r| json!({
				"tasks_done": r.tasks_done, "agreed": r.agreed, "disagreed": r.disagreed, "missed": r.missed,
				"offences": r.offences, "total_slashed": r.total_slashed.to_string(),
			})),
		}),
		text,
	))
}
