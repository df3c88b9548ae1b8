//! A connection to a ModelChain node: reads at the best block, transactions that wait for their
//! block and report what went wrong in words.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use subxt::{
	backend::LegacyBackend,
	config::{DefaultExtrinsicParamsBuilder, RpcConfigFor},
	error::{DispatchError, OnlineClientError, TransactionEventsError},
	extrinsics::ExtrinsicEvents,
	rpcs::{LegacyRpcMethods, RpcClient},
	transactions::{Payload, TransactionStatus},
	utils::{AccountId32, H256},
	OnlineClient,
};
use subxt_signer::sr25519::Keypair;

use crate::ModelChainConfig;

/// A block's view of the chain (storage, view functions, constants, events).
pub type At = subxt::OnlineClientAtBlock<ModelChainConfig>;

/// A connected client.
#[derive(Clone)]
pub struct Client {
	/// The subxt client, for anything this wrapper does not cover.
	pub api: OnlineClient<ModelChainConfig>,
	rpc: LegacyRpcMethods<RpcConfigFor<ModelChainConfig>>,
	url: String,
}

/// A transaction in a block, with its events.
pub struct Included {
	/// The block's hash.
	pub block_hash: H256,
	/// The block's number.
	pub block_number: u64,
	/// The transaction's events (its call succeeded: a failed one is a [`CallFailed`] error).
	pub events: ExtrinsicEvents<ModelChainConfig>,
}

impl Included {
	/// The first event of type `E` the transaction emitted.
	pub fn find<E: subxt::events::DecodeAsEvent>(&self) -> Option<E> {
		self.events.find_first::<E>().and_then(Result::ok)
	}

	/// The transaction fee (and tip) its signer paid.
	pub fn fee_paid(&self) -> u128 {
		fee_in(&self.events)
	}

	/// The transaction's events as `Pallet.Event` names.
	pub fn event_names(&self) -> Vec<String> {
		self.events.iter().filter_map(Result::ok).map(|e| format!("{}.{}", e.pallet_name(), e.event_name())).collect()
	}
}

fn fee_in(events: &ExtrinsicEvents<ModelChainConfig>) -> u128 {
	events
		.find_first::<crate::modelchain::transaction_payment::events::TransactionFeePaid>()
		.and_then(Result::ok)
		.map_or(0, |e| e.actual_fee.saturating_add(e.tip))
}

/// A transaction that was included in a block but whose call failed: the chain kept its fee
/// and undid everything else.
#[derive(Debug)]
pub struct CallFailed {
	/// The pallet error in words (`Pallet::Error: its documentation`).
	pub reason: String,
	/// The block it was included in.
	pub block_number: u64,
	/// The fee the signer paid for it.
	pub fee: u128,
}

impl std::fmt::Display for CallFailed {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(
			f,
			"{} (in block #{}: the call failed, so nothing changed but its fee, {})",
			self.reason,
			self.block_number,
			crate::units::format(self.fee)
		)
	}
}

impl std::error::Error for CallFailed {}

/// How long to wait for a connection before saying the node is not there.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

impl Client {
	/// Connects to the node at `url` (`ws://` or `wss://`, any host).
	pub async fn connect(url: &str) -> anyhow::Result<Self> {
		let unreachable = || {
			format!(
				"cannot reach a ModelChain node at {url}: is it running? (start one with `scripts/run-dev.sh`, or pass --url)"
			)
		};
		let rpc = tokio::time::timeout(CONNECT_TIMEOUT, RpcClient::from_insecure_url(url))
			.await
			.map_err(|_| anyhow::anyhow!("{} (no answer in {} s)", unreachable(), CONNECT_TIMEOUT.as_secs()))?
			.with_context(unreachable)?;
		// The legacy backend, not subxt's default that prefers `chainHead_v1`: a fresh
		// `chainHead_v1_follow` subscription answers "no such block" (not an error another backend
		// would retry) while the node has not registered it yet, so 2 of 3,342 fresh `mlc` reads of
		// the best block failed on a dev node (and one CI run). The legacy methods answer for any
		// block in the node's database, and they are the ones the best hash and nonce come from.
		let backend = LegacyBackend::<ModelChainConfig>::builder().build(rpc.clone());
		let api = match OnlineClient::from_backend_with_config(ModelChainConfig::default(), Arc::new(backend)).await {
			Ok(api) => api,
			Err(OnlineClientError::RpcError(e)) => return Err(anyhow::Error::new(e).context(unreachable())),
			Err(e) => {
				return Err(anyhow::Error::new(e).context(format!("{url} answers, but not like a ModelChain node")))
			}
		};
		Ok(Client { api, rpc: LegacyRpcMethods::new(rpc), url: url.to_string() })
	}

	/// The node's URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The chain at its best block (what a transaction sent now builds on; finality follows
	/// within a few blocks).
	pub async fn at_best(&self) -> anyhow::Result<At> {
		let best = self.rpc.chain_get_block_hash(None).await?.context("the node has no best block")?;
		Ok(self.api.at_block(best).await?)
	}

	/// The chain at block `number` of the best chain.
	pub async fn at_number(&self, number: u64) -> anyhow::Result<At> {
		let hash = self
			.rpc
			.chain_get_block_hash(Some(number.into()))
			.await?
			.with_context(|| format!("no block #{number} yet"))?;
		Ok(self.api.at_block(hash).await?)
	}

	/// The best block's number.
	pub async fn best_number(&self) -> anyhow::Result<u64> {
		Ok(self.at_best().await?.block_number())
	}

	/// The next nonce of `who`, counting its transactions still in the pool, so commands run one
	/// after another never reuse one.
	pub async fn next_nonce(&self, who: &AccountId32) -> anyhow::Result<u64> {
		Ok(self.rpc.system_account_next_index(who).await?)
	}

	/// Signs `call` with `signer`, submits it and waits until it is in a best block. A call that
	/// failed is a [`CallFailed`] error naming the pallet error, its documentation and the fee
	/// paid; a transaction the pool refused (which costs nothing) is an error with the node's
	/// reason.
	pub async fn submit<Call: Payload>(&self, call: &Call, signer: &Keypair) -> anyhow::Result<Included> {
		let who = crate::keys::account(signer);
		let nonce = self.next_nonce(&who).await?;
		let params = DefaultExtrinsicParamsBuilder::<ModelChainConfig>::new().nonce(nonce).immortal().build();
		let at = self.at_best().await?;
		let mut progress = at
			.tx()
			.sign_and_submit_then_watch(call, signer, params)
			.await
			.map_err(|e| anyhow::anyhow!("the node refused the transaction: {}", pool_reason(&e.to_string())))?;
		while let Some(status) = progress.next().await {
			match status? {
				TransactionStatus::InBestBlock(in_block) | TransactionStatus::InFinalizedBlock(in_block) => {
					let block_hash = in_block.block_hash();
					let events = in_block.fetch_events().await?;
					let block_number = self.api.at_block(block_hash).await?.block_number();
					return match in_block.wait_for_success().await {
						Ok(_) => Ok(Included { block_hash, block_number, events }),
						Err(TransactionEventsError::ExtrinsicFailed(e)) => {
							Err(CallFailed { reason: describe(&e), block_number, fee: fee_in(&events) }.into())
						}
						Err(e) => Err(e.into()),
					};
				}
				TransactionStatus::Invalid { message } => {
					anyhow::bail!("the node refused the transaction: {}", pool_reason(&message))
				}
				TransactionStatus::Dropped { message } => anyhow::bail!("the transaction was dropped: {message}"),
				TransactionStatus::Error { message } => anyhow::bail!("the node reported an error: {message}"),
				TransactionStatus::Validated
				| TransactionStatus::Broadcasted
				| TransactionStatus::NoLongerInBestBlock => {}
			}
		}
		anyhow::bail!("the node stopped reporting on the transaction before it was in a block")
	}
}

/// A failed call in words: `Pallet::Error: its documentation`.
pub fn describe(error: &DispatchError) -> String {
	match error {
		DispatchError::Module(m) => match m.details() {
			Ok(d) => {
				let docs = d.variant.docs.join(" ");
				let docs = docs.trim();
				if docs.is_empty() {
					format!("{}::{}", d.pallet.name(), d.variant.name)
				} else {
					format!("{}::{}: {docs}", d.pallet.name(), d.variant.name)
				}
			}
			Err(_) => m.to_string(),
		},
		DispatchError::Token(t) => format!("{t:?}: the account cannot pay this (free balance too low, or funds held)"),
		other => other.to_string(),
	}
}

/// The node's reason for refusing a transaction, in words where the code alone says little.
fn pool_reason(message: &str) -> String {
	if message.contains("Inability to pay some fees") || message.contains("Payment") {
		format!("{message}: the account cannot pay the transaction fee (fund it first)")
	} else if message.contains("Priority is too low") || message.contains("Stale") {
		format!("{message}: another transaction of this account with the same nonce is pending; wait for it")
	} else {
		message.to_string()
	}
}

/// Calls a pallet view function at `at` and decodes its answer.
///
/// Not `at.view_functions().call(..)`: subxt 0.51.1 sends the arguments after the query id
/// without the `Vec<u8>` length prefix that the runtime API `execute_view_function(id, input:
/// Vec<u8>)` decodes, and reads the answer without unwrapping its `Result<Vec<u8>, _>`, so
/// against polkadot-sdk 2609 it fails or hangs. This encodes and decodes the runtime API's real
/// signature and leaves the rest (argument encoding, typed decoding) to subxt.
pub async fn view<P: subxt::view_functions::Payload>(at: &At, payload: P) -> anyhow::Result<P::ReturnType> {
	use subxt::ext::{codec::Encode, scale_decode::IntoVisitor};
	let functions = at.view_functions();
	functions.validate(&payload)?;
	let encoded = functions.encode_args(&payload)?;
	// The query id (32 bytes), then the arguments.
	anyhow::ensure!(encoded.len() >= 32, "view function arguments without a query id");
	let (query_id, args) = encoded.split_at(32);
	let mut params = query_id.to_vec();
	args.to_vec().encode_to(&mut params);
	let raw = functions.call_raw(Some(&params)).await?;
	let (ok, mut rest) = raw.split_first().ok_or_else(|| anyhow::anyhow!("empty view function answer"))?;
	anyhow::ensure!(
		*ok == 0,
		"the runtime could not run the view function {}::{} (error variant {})",
		payload.pallet_name(),
		payload.function_name(),
		rest.first().copied().unwrap_or_default()
	);
	let output = <Vec<u8> as subxt::ext::codec::Decode>::decode(&mut rest)?;
	let metadata = at.metadata_ref();
	let value = subxt::ext::frame_decode::view_functions::decode_view_function_response(
		payload.pallet_name(),
		payload.function_name(),
		&mut &output[..],
		metadata,
		metadata.types(),
		P::ReturnType::into_visitor(),
	)
	.map_err(|e| {
		anyhow::anyhow!("cannot decode the answer of {}::{}: {e}", payload.pallet_name(), payload.function_name())
	})?;
	Ok(value)
}
