//! The agent reaches the browser compressed: the build writes brotli and gzip copies of
//! its files, and the collector sends one the browser accepts.

use anyhow::Result;
use waymark_e2e::{Harness, Setup, TempTree};

use crate::flows::alice_welcomed;

/// The page's wasm, glue and loader arrive as their compressed copies (resource timing
/// sees fewer bytes on the wire than it decodes), decode to the build's files, and the
/// guide runs on them; on the next page load none is downloaded again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_files_arrive_compressed_and_run() -> Result<()> {
    let root = TempTree::demo_with_agent()?;
    let dist = root.path().join("www/dist");
    let h = Harness::start(Setup::demo().root(root)).await?;
    alice_welcomed(&h).await?;
    const FILES: [&str; 3] = ["waymark.js", "waymark_agent.js", "waymark_agent_bg.wasm"];
    // Resource timing of `file` on the current page: [transferSize, encodedBodySize, decodedBodySize].
    let timing = async |file: &str| -> Result<[f64; 3]> {
        let sizes: Vec<f64> = h
            .js_as(
                "const e = performance.getEntriesByType('resource').find(e => new URL(e.name).pathname.endsWith('/' + arguments[0]));
                 return e ? [e.transferSize, e.encodedBodySize, e.decodedBodySize] : [];",
                vec![file.into()],
            )
            .await?;
        sizes.try_into().map_err(|_| anyhow::anyhow!("{file} is not among the page's resources"))
    };
    let mut smallest_copy = Vec::new();
    for file in FILES {
        let [_, wire, decoded] = timing(file).await?;
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
        smallest_copy.push(copies.into_iter().min().unwrap_or(0));
    }

    // The next page load revalidates the loader (it carries an ETag) and gets a 304: only
    // headers move. The glue and the wasm, asked for by fingerprint, come from the
    // browser's cache without a request. The guide runs on them.
    h.reload().await?;
    h.wait_card("first-project", "welcome").await?;
    for (file, copy) in FILES.into_iter().zip(smallest_copy) {
        let [moved, ..] = timing(file).await?;
        assert!((moved as u64) < copy, "{file}: {moved} bytes moved, its smallest copy is {copy} bytes");
        if file != "waymark.js" {
            assert_eq!(moved, 0.0, "{file}: kept by the browser, not asked for again");
        }
    }
    h.finish().await
}
