//! # ModelChain client
//!
//! A Rust client for ModelChain on [subxt](https://docs.rs/subxt): typed calls, storage and view
//! functions generated from the runtime's own metadata (`metadata/modelchain.scale`, checked
//! against the runtime by its tests), transactions that wait for their block and report a
//! failed call by its pallet error's name and documentation, and the pure rules a client must
//! compute exactly as the chain does (commitments, token amounts, quantized inputs).
//!
//! `mlc`, the command line in `src/main.rs`, is built on it; so can any program:
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use modelchain_client::{keys, modelchain, Client};
//! let client = Client::connect("ws://127.0.0.1:9944").await?;
//! let alice = keys::from_suri("//Alice")?;
//! let call = modelchain::tx().ml_models().set_fee(0, 1_000_000_000);
//! let done = client.submit(&call, &alice).await?;
//! println!("in block #{}", done.block_number);
//! # Ok(()) }
//! ```

pub mod chain;
pub mod commit;
pub mod config;
pub mod keys;
pub mod state;
pub mod units;

pub use chain::{CallFailed, Client, Included};
pub use config::ModelChainConfig;

/// The generated API: `modelchain::tx()`, `storage()`, `constants()`, `view_functions()`,
/// `runtime_apis()`, the events, errors and every runtime type.
#[subxt::subxt(runtime_metadata_path = "metadata/modelchain.scale", derive_for_all_types = "Clone, PartialEq, Eq")]
pub mod modelchain {}

// The macro reads the file without telling cargo: this makes a new metadata file rebuild the
// client.
const _: &[u8] = include_bytes!("../metadata/modelchain.scale");
