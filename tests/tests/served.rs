//! The agent reaches the browser compressed: the build writes brotli and gzip copies of
//! its files, and the collector sends one the browser accepts.

use anyhow::Result;
use waymark_e2e::{Harness, Setup, TempTree};

use crate::flows::alice_welcomed;

/// The page's wasm, glue and loader arrive as their compressed copies (resource timing
/// sees fewer bytes on the wire than it decodes), decode to the build's files, and the
/// guide runs on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_files_arrive_compressed_and_run() -> Result<()> {
    let root = TempTree::demo_with_agent()?;
    let dist = root.path().join("www/dist");
    let h = Harness::start(Setup::demo().root(root)).await?;
    alice_welcomed(&h).await?;
    for file in ["waymark.js", "waymark_agent.js", "waymark_agent_bg.wasm"] {
        let sizes: Vec<f64> = h
            .js_as(
                "const e = performance.getEntriesByType('resource').find(e => e.name.endsWith('/' + arguments[0]));
                 return e ? [e.encodedBodySize, e.decodedBodySize] : [];",
                vec![file.into()],
            )
            .await?;
        let [wire, decoded] = sizes[..] else { panic!("{file} is not among the page's resources") };
        let copies: Vec<u64> = ["br", "gz"]
            .iter()
            .map(|ext| std::fs::metadata(dist.join(format!("{file}.{ext}"))).map(|m| m.len()))
            .collect::<Result<_, _>>()?;
        assert_eq!(
            decoded as u64,
            std::fs::metadata(dist.join(file))?.len(),
            "{file}: decodes to the build's file"
        );
        assert!(
            copies.contains(&(wire as u64)),
            "{file}: {wire} bytes on the wire, the copies are {copies:?}"
        );
    }
    h.finish().await
}
