//! Offline validation of the Office add-in manifest (`manifest.xml`), of the
//! production manifest rendered from it by `scripts/render-manifest.mjs`, and
//! of the icons it points at.
//!
//! Two layers, because neither is enough alone:
//! - the Office manifest XSDs (`../shared/office-manifest-xsd/validation/`, or
//!   `OFFICE_MANIFEST_XSD_DIR`) run through xmllint check structure, element
//!   order, enumerations and lengths;
//! - the rules below check what those schemas cannot (see the schemas'
//!   README): resids that resolve, real host / tab / requirement-set names,
//!   https URLs on the one production origin, icon sizes.
//!
//! Missing tools or schemas fail the tests: a skipped validation would look
//! exactly like a passing one.

use std::collections::{HashMap, HashSet};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use roxmltree::{Document, Node};

const DEV_ORIGIN: &str = "https://localhost:3000";
const PROD_ORIGIN: &str = "https://addin.example.com";

const NS_BT: &str = "http://schemas.microsoft.com/office/officeappbasictypes/1.0";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

// ---------------------------------------------------------------------------
// Environment: repository, schemas, tools.

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn schema_file() -> PathBuf {
    let dir = match std::env::var_os("OFFICE_MANIFEST_XSD_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("../shared/office-manifest-xsd/validation"),
    };
    let xsd = dir.join("OfficeAppManifestV1_1.xsd");
    assert!(
        xsd.is_file(),
        "Office manifest schema not found at {}: the schemas live in ../shared/office-manifest-xsd/validation/ \
         beside the repository, or set OFFICE_MANIFEST_XSD_DIR to that folder",
        xsd.display()
    );
    xsd.canonicalize().expect("canonical schema path")
}

/// Ok if the file validates. Err(xmllint's report) if the manifest is invalid
/// or not well-formed. Panics if the validation itself could not run.
fn xmllint(manifest: &Path) -> Result<(), String> {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema_file())
        .arg(manifest)
        .output()
        .unwrap_or_else(|e| match e.kind() {
            ErrorKind::NotFound => {
                panic!("xmllint is not installed (apt-get install -y libxml2-utils)")
            }
            _ => panic!("cannot run xmllint: {e}"),
        });
    let report = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => Ok(()),
        // 1: not well-formed, 3: fails to validate. Both are the manifest's fault.
        Some(1) | Some(3) => Err(report),
        other => panic!(
            "xmllint could not validate (exit {other:?}); is the schema set intact?\n{report}"
        ),
    }
}

fn xmllint_text(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("manifest.xml");
    std::fs::write(&path, xml).expect("write manifest copy");
    xmllint(&path)
}

/// Runs the renderer without ADDIN_ORIGIN unless `env_origin` gives one, so
/// the caller's environment cannot change the outcome.
fn run_renderer(args: &[&str], env_origin: Option<&str>) -> Output {
    run_renderer_script(
        &repo_root().join("scripts/render-manifest.mjs"),
        args,
        env_origin,
    )
}

fn run_renderer_script(script: &Path, args: &[&str], env_origin: Option<&str>) -> Output {
    let mut command = Command::new("node");
    command.arg(script).args(args).env_remove("ADDIN_ORIGIN");
    if let Some(origin) = env_origin {
        command.env("ADDIN_ORIGIN", origin);
    }
    command.output().unwrap_or_else(|e| match e.kind() {
        ErrorKind::NotFound => panic!("node is not installed or not on PATH (Node 20 is required)"),
        _ => panic!("cannot run node: {e}"),
    })
}

fn render_to(dir: &Path, args: &[&str], env_origin: Option<&str>) -> String {
    let out = dir.join("manifest.xml");
    let out_arg = out.to_str().expect("utf-8 temp path");
    let mut all_args = args.to_vec();
    all_args.extend(["--out", out_arg]);
    let output = run_renderer(&all_args, env_origin);
    assert!(
        output.status.success(),
        "render-manifest failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(&out).expect("rendered manifest exists")
}

fn production_manifest() -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    render_to(dir.path(), &["--origin", PROD_ORIGIN], None)
}

fn development_manifest() -> String {
    std::fs::read_to_string(repo_root().join("manifest.xml"))
        .expect("manifest.xml at the repo root")
}

// ---------------------------------------------------------------------------
// Manifest navigation.

fn elements<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .collect()
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|n| n.is_element() && n.tag_name().name() == name)
        .collect()
}

fn only<'a, 'i>(nodes: Vec<Node<'a, 'i>>, what: &str) -> Result<Node<'a, 'i>, String> {
    match nodes.as_slice() {
        [one] => Ok(*one),
        _ => Err(format!(
            "expected exactly one {what}, found {}",
            nodes.len()
        )),
    }
}

fn xsi_type<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.attribute((NS_XSI, "type"))
}

fn text_of(doc: &Document, name: &str) -> Result<String, String> {
    let node = only(elements(doc, name), name)?;
    Ok(node.text().unwrap_or("").trim().to_string())
}

fn version_overrides<'a, 'i>(doc: &'a Document<'i>) -> Result<Node<'a, 'i>, String> {
    only(elements(doc, "VersionOverrides"), "VersionOverrides")
}

/// The classic (non-override) part of the manifest: direct children of OfficeApp.
fn top_level<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Vec<Node<'a, 'i>> {
    children(doc.root_element(), name)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResourceKind {
    Images,
    Urls,
    ShortStrings,
    LongStrings,
}

/// id -> (kind, DefaultValue) for everything under VersionOverrides/Resources.
fn resources(doc: &Document) -> Result<HashMap<String, (ResourceKind, String)>, String> {
    let overrides = version_overrides(doc)?;
    let resources = only(children(overrides, "Resources"), "Resources")?;
    let mut found = HashMap::new();
    for (group, kind) in [
        ("Images", ResourceKind::Images),
        ("Urls", ResourceKind::Urls),
        ("ShortStrings", ResourceKind::ShortStrings),
        ("LongStrings", ResourceKind::LongStrings),
    ] {
        for list in children(resources, group) {
            for item in list.children().filter(|n| n.is_element()) {
                let id = item.attribute("id").ok_or("resource without id")?;
                let value = item.attribute("DefaultValue").unwrap_or("").to_string();
                if found.insert(id.to_string(), (kind, value)).is_some() {
                    return Err(format!("resource id {id:?} is defined twice"));
                }
            }
        }
    }
    Ok(found)
}

/// Which Resources list a `resid` on this element must point into, following
/// the schema's types (ImageResourceReference, URLResourceReference,
/// ShortResourceReference, LongResourceReference).
fn expected_kind(element: Node) -> Option<ResourceKind> {
    let tag = element.tag_name();
    match (tag.namespace(), tag.name()) {
        (Some(NS_BT), "Image") => Some(ResourceKind::Images),
        (_, "SourceLocation" | "LearnMoreUrl" | "FunctionFile") => Some(ResourceKind::Urls),
        (_, "Label" | "Title" | "Namespace") => Some(ResourceKind::ShortStrings),
        (_, "Description") => Some(ResourceKind::LongStrings),
        _ => None,
    }
}

fn image_url<'d>(
    resources: &'d HashMap<String, (ResourceKind, String)>,
    resid: &str,
) -> Option<&'d str> {
    match resources.get(resid) {
        Some((ResourceKind::Images, url)) => Some(url),
        _ => None,
    }
}

/// Every `<bt:Image size=... resid=...>` reference, as (size, resid).
fn icon_references(doc: &Document) -> Vec<(String, String)> {
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().namespace() == Some(NS_BT))
        .filter(|n| n.tag_name().name() == "Image")
        .filter_map(|n| {
            Some((
                n.attribute("size")?.to_string(),
                n.attribute("resid")?.to_string(),
            ))
        })
        .collect()
}

fn default_value(doc: &Document, name: &str) -> Result<String, String> {
    let node = only(top_level(doc, name), name)?;
    node.attribute("DefaultValue")
        .map(str::to_string)
        .ok_or_else(|| format!("{name} has no DefaultValue"))
}

// ---------------------------------------------------------------------------
// The rules. Each returns Err(what is wrong).

type Rule = fn(&Document, &str) -> Result<(), String>;

const RULES: &[(&str, Rule)] = &[
    ("Id is a GUID", id_is_a_guid),
    (
        "Permissions is ReadWriteDocument",
        permissions_are_read_write_document,
    ),
    (
        "classic Hosts is exactly Workbook",
        classic_host_is_workbook,
    ),
    (
        "VersionOverrides Hosts is exactly Workbook",
        override_host_is_workbook,
    ),
    ("requirement set is ExcelApi", requirement_set_is_excel_api),
    (
        "ribbon button on TabHome opens the task pane",
        ribbon_button_opens_task_pane,
    ),
    (
        "every resid resolves to the right kind of resource",
        every_resid_resolves,
    ),
    (
        "every URL is https on the origin",
        every_url_is_on_the_origin,
    ),
    (
        "AppDomains is exactly the origin",
        app_domains_are_exactly_the_origin,
    ),
    (
        "ribbon icons come in 16, 32 and 80",
        ribbon_icons_have_all_sizes,
    ),
    (
        "image resources match their declared size",
        image_resources_match_their_size,
    ),
    (
        "list icons are the 32 and 64 px ones",
        list_icons_are_32_and_64,
    ),
];

/// Every rule's complaint, prefixed with the rule's name; empty means the
/// manifest passes.
fn rule_violations(xml: &str, origin: &str) -> Vec<String> {
    let doc = match Document::parse(xml) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    RULES
        .iter()
        .filter_map(|(name, rule)| rule(&doc, origin).err().map(|why| format!("{name}: {why}")))
        .collect()
}

fn id_is_a_guid(doc: &Document, _origin: &str) -> Result<(), String> {
    let id = text_of(doc, "Id")?;
    let groups: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let hex = groups
        .iter()
        .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
    if lengths == [8, 4, 4, 4, 12] && hex {
        Ok(())
    } else {
        Err(format!("{id:?} is not a GUID"))
    }
}

// The schema accepts Restricted/ReadDocument/ReadWriteDocument: only the rule
// knows cleaning needs to write and nothing needs more.
fn permissions_are_read_write_document(doc: &Document, _origin: &str) -> Result<(), String> {
    match text_of(doc, "Permissions")?.as_str() {
        "ReadWriteDocument" => Ok(()),
        other => Err(format!("Permissions is {other:?}")),
    }
}

// The schema takes any string as a Host Name ("Spreadsheetz" passes).
fn classic_host_is_workbook(doc: &Document, _origin: &str) -> Result<(), String> {
    let hosts = only(top_level(doc, "Hosts"), "top-level Hosts")?;
    let host = only(children(hosts, "Host"), "top-level Host")?;
    match host.attribute("Name") {
        Some("Workbook") => Ok(()),
        other => Err(format!("Host Name is {other:?}")),
    }
}

fn override_host_is_workbook(doc: &Document, _origin: &str) -> Result<(), String> {
    let hosts = only(
        children(version_overrides(doc)?, "Hosts"),
        "VersionOverrides Hosts",
    )?;
    let host = only(children(hosts, "Host"), "VersionOverrides Host")?;
    match xsi_type(host) {
        Some("Workbook") => Ok(()),
        other => Err(format!("VersionOverrides Host xsi:type is {other:?}")),
    }
}

// The schema takes any string as a Set Name ("ExcelAPI" passes).
fn requirement_set_is_excel_api(doc: &Document, _origin: &str) -> Result<(), String> {
    let sets = elements(doc, "Set");
    if sets.is_empty() {
        return Err("no requirement Set".into());
    }
    for set in sets {
        match set.attribute("Name") {
            Some("ExcelApi") => {}
            other => return Err(format!("requirement set Name is {other:?}")),
        }
        let version = set.attribute("MinVersion").unwrap_or("1.1");
        let mut parts = version.split('.');
        let well_formed = parts.next().is_some_and(|m| m.parse::<u32>().is_ok())
            && parts.next().is_some_and(|m| m.parse::<u32>().is_ok())
            && parts.next().is_none();
        if !well_formed {
            return Err(format!(
                "ExcelApi MinVersion {version:?} is not MAJOR.MINOR"
            ));
        }
    }
    Ok(())
}

// The schema takes any OfficeTab id ("TabNoSuchTab" passes). The button must
// also open the very page the add-in declares as its task pane.
fn ribbon_button_opens_task_pane(doc: &Document, _origin: &str) -> Result<(), String> {
    let resources = resources(doc)?;
    let surface = only(
        elements(doc, "ExtensionPoint")
            .into_iter()
            .filter(|n| xsi_type(*n) == Some("PrimaryCommandSurface"))
            .collect(),
        "PrimaryCommandSurface extension point",
    )?;
    let tab = only(children(surface, "OfficeTab"), "OfficeTab")?;
    if tab.attribute("id") != Some("TabHome") {
        return Err(format!("OfficeTab id is {:?}", tab.attribute("id")));
    }
    let group = only(children(tab, "Group"), "Group on the Home tab")?;
    let button = only(children(group, "Control"), "Control in the group")?;
    if xsi_type(button) != Some("Button") {
        return Err(format!(
            "the control is {:?}, not a Button",
            xsi_type(button)
        ));
    }
    let action = only(children(button, "Action"), "Action")?;
    if xsi_type(action) != Some("ShowTaskpane") {
        return Err(format!(
            "the action is {:?}, not ShowTaskpane",
            xsi_type(action)
        ));
    }
    let pane_id = only(children(action, "TaskpaneId"), "TaskpaneId")?;
    if pane_id.text().unwrap_or("").trim().is_empty() {
        return Err("TaskpaneId is empty".into());
    }
    let source = only(children(action, "SourceLocation"), "action SourceLocation")?;
    let resid = source.attribute("resid").unwrap_or("");
    let url = match resources.get(resid) {
        Some((ResourceKind::Urls, url)) => url,
        _ => {
            return Err(format!(
                "action SourceLocation resid {resid:?} is not a Url resource"
            ));
        }
    };
    let settings = only(top_level(doc, "DefaultSettings"), "DefaultSettings")?;
    let default = only(
        children(settings, "SourceLocation"),
        "default SourceLocation",
    )?;
    if default.attribute("DefaultValue") != Some(url.as_str()) {
        return Err(format!(
            "the button opens {url:?} but the task pane is {:?}",
            default.attribute("DefaultValue")
        ));
    }
    Ok(())
}

// The schema has no key/keyref: a dangling resid validates.
fn every_resid_resolves(doc: &Document, _origin: &str) -> Result<(), String> {
    let resources = resources(doc)?;
    let mut problems = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let Some(resid) = node.attribute("resid") else {
            continue;
        };
        let element = node.tag_name().name();
        let Some(wanted) = expected_kind(node) else {
            problems.push(format!(
                "no known resource kind for <{element} resid={resid:?}>"
            ));
            continue;
        };
        match resources.get(resid) {
            None => problems.push(format!("<{element} resid={resid:?}> resolves to nothing")),
            Some((kind, _)) if *kind != wanted => problems.push(format!(
                "<{element} resid={resid:?}> points into {kind:?}, should be {wanted:?}"
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

// The schema accepts http:// and any host. Office needs https, and the proxy
// only serves its own origin. Checking every value that looks like a URL,
// rather than a list of known elements, also catches URL fields added later.
fn every_url_is_on_the_origin(doc: &Document, origin: &str) -> Result<(), String> {
    if !origin.starts_with("https://") {
        return Err(format!("the origin {origin:?} itself is not https"));
    }
    let under_origin = format!("{origin}/");
    let mut problems = Vec::new();
    let mut urls = 0;
    for node in doc.descendants() {
        let values: Vec<&str> = if node.is_element() {
            node.attributes().map(|a| a.value()).collect()
        } else if node.is_text() {
            node.text().map(str::trim).into_iter().collect()
        } else {
            Vec::new()
        };
        for value in values.into_iter().filter(|v| v.contains("://")) {
            urls += 1;
            let is_app_domain = node.is_text()
                && node
                    .parent_element()
                    .is_some_and(|p| p.tag_name().name() == "AppDomain");
            let ok = if is_app_domain {
                value == origin
            } else {
                value.starts_with(&under_origin)
            };
            if !ok {
                problems.push(format!("{value:?} is not on {origin}"));
            }
        }
    }
    // The fields the add-in cannot work without must be among them.
    for name in ["IconUrl", "HighResolutionIconUrl", "SupportUrl"] {
        default_value(doc, name)?;
    }
    if urls == 0 {
        problems.push("no URL found at all".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn app_domains_are_exactly_the_origin(doc: &Document, origin: &str) -> Result<(), String> {
    let list = only(top_level(doc, "AppDomains"), "AppDomains")?;
    let domains: Vec<&str> = children(list, "AppDomain")
        .iter()
        .map(|d| d.text().unwrap_or("").trim())
        .collect();
    if domains.iter().any(|d| d.contains('*')) {
        return Err(format!("wildcard in AppDomains {domains:?}"));
    }
    if domains != [origin] {
        return Err(format!(
            "AppDomains is {domains:?}, want exactly [{origin:?}]"
        ));
    }
    Ok(())
}

// Office picks the ribbon icon by size and DPI; a missing size shows a
// blurry rescale or a blank button.
fn ribbon_icons_have_all_sizes(doc: &Document, _origin: &str) -> Result<(), String> {
    let lists = elements(doc, "Icon");
    if lists.is_empty() {
        return Err("no ribbon Icon".into());
    }
    for list in lists {
        let owner = list
            .parent_element()
            .map(|p| p.tag_name().name())
            .unwrap_or("?");
        let sizes: HashSet<&str> = children(list, "Image")
            .iter()
            .filter_map(|i| i.attribute("size"))
            .collect();
        for wanted in ["16", "32", "80"] {
            if !sizes.contains(wanted) {
                return Err(format!("{owner} Icon lacks size {wanted} (has {sizes:?})"));
            }
        }
    }
    Ok(())
}

fn image_resources_match_their_size(doc: &Document, _origin: &str) -> Result<(), String> {
    let resources = resources(doc)?;
    for (size, resid) in icon_references(doc) {
        let Some(url) = image_url(&resources, &resid) else {
            return Err(format!("icon resid {resid:?} is not an image resource"));
        };
        if !url.ends_with(&format!("/icons/icon-{size}.png")) {
            return Err(format!("size {size} icon {resid:?} points at {url:?}"));
        }
    }
    Ok(())
}

fn list_icons_are_32_and_64(doc: &Document, _origin: &str) -> Result<(), String> {
    for (name, file) in [
        ("IconUrl", "icon-32.png"),
        ("HighResolutionIconUrl", "icon-64.png"),
    ] {
        let url = default_value(doc, name)?;
        if !url.ends_with(&format!("/icons/{file}")) {
            return Err(format!("{name} is {url:?}, want …/icons/{file}"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Icons on disk.

/// (width, height) from a PNG's IHDR chunk, which the format requires first.
fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || !bytes.starts_with(SIGNATURE) {
        return Err("not a PNG".into());
    }
    if &bytes[12..16] != b"IHDR" {
        return Err("first chunk is not IHDR".into());
    }
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    Ok((word(16), word(20)))
}

/// (declared pixel size, URL) of every icon the manifest points at.
fn declared_icons(doc: &Document) -> Result<Vec<(u32, String)>, String> {
    let resources = resources(doc)?;
    let mut icons = vec![
        (32, default_value(doc, "IconUrl")?),
        (64, default_value(doc, "HighResolutionIconUrl")?),
    ];
    for (size, resid) in icon_references(doc) {
        let url = image_url(&resources, &resid)
            .ok_or_else(|| format!("icon resid {resid:?} unresolved"))?;
        let size = size
            .parse()
            .map_err(|_| format!("icon size {size:?} is not a number"))?;
        icons.push((size, url.to_string()));
    }
    icons.sort();
    icons.dedup();
    Ok(icons)
}

// ---------------------------------------------------------------------------
// Tests.

fn assert_passes_rules(xml: &str, origin: &str, which: &str) {
    let violations = rule_violations(xml, origin);
    assert!(
        violations.is_empty(),
        "{which} manifest breaks rules:\n  {}",
        violations.join("\n  ")
    );
}

#[test]
fn development_manifest_validates_against_the_office_schemas() {
    if let Err(report) = xmllint(&repo_root().join("manifest.xml")) {
        panic!("manifest.xml fails the Office schemas:\n{report}");
    }
}

#[test]
fn development_manifest_passes_every_rule() {
    assert_passes_rules(&development_manifest(), DEV_ORIGIN, "development");
}

#[test]
fn production_manifest_validates_and_passes_every_rule() {
    let xml = production_manifest();
    if let Err(report) = xmllint_text(&xml) {
        panic!("the rendered production manifest fails the Office schemas:\n{report}");
    }
    assert_passes_rules(&xml, PROD_ORIGIN, "production");
    assert!(
        !xml.contains("localhost"),
        "the production manifest still mentions localhost"
    );
    assert!(
        !xml.contains("http://addin"),
        "the production manifest has an http URL"
    );
}

#[test]
fn rendering_changes_only_the_origin() {
    let rendered = production_manifest();
    assert_eq!(
        rendered,
        development_manifest().replace(DEV_ORIGIN, PROD_ORIGIN)
    );
}

#[test]
fn icons_exist_as_pngs_of_their_declared_size() {
    let xml = development_manifest();
    let doc = Document::parse(&xml).expect("manifest.xml parses");
    let icons = declared_icons(&doc).expect("icons are declared");
    let public = repo_root().join("addin/public");
    let mut sizes = HashSet::new();
    for (size, url) in icons {
        let path = url
            .strip_prefix(DEV_ORIGIN)
            .filter(|p| p.starts_with("/icons/"))
            .unwrap_or_else(|| panic!("icon {url:?} is not under {DEV_ORIGIN}/icons/"));
        let file = public.join(path.trim_start_matches('/'));
        let bytes = std::fs::read(&file)
            .unwrap_or_else(|e| panic!("icon {} for {url}: {e}", file.display()));
        let actual = png_size(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            actual,
            (size, size),
            "{} has the wrong size",
            file.display()
        );
        sizes.insert(size);
    }
    assert_eq!(
        sizes,
        HashSet::from([16, 32, 64, 80]),
        "icon sizes the manifest uses"
    );
}

#[test]
fn renderer_refuses_origins_that_are_not_https_host_and_port() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("manifest.xml");
    for bad in [
        "http://x.example.com",
        "https://*.example.com",
        "https://x.example.com/path",
        "https://x.example.com/",
        "https://user@x.example.com",
        "https://x.example.com?q=1",
        "https://x.example.com#top",
        "",
    ] {
        let output = run_renderer(
            &["--origin", bad, "--out", out.to_str().expect("utf-8")],
            None,
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "origin {bad:?} was not refused: {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "want one line on stderr for {bad:?}: {stderr}"
        );
        assert!(
            stderr.contains("refusing origin"),
            "unclear refusal for {bad:?}: {stderr}"
        );
        assert!(
            !out.exists(),
            "a manifest was written for refused origin {bad:?}"
        );
    }
    let output = run_renderer(
        &["--out", out.to_str().expect("utf-8")],
        Some("http://env.example.com"),
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "an http ADDIN_ORIGIN was not refused"
    );
}

#[test]
fn renderer_takes_the_origin_from_the_environment_and_the_flag_wins() {
    let dir = tempfile::tempdir().expect("temp dir");

    let from_env = render_to(dir.path(), &[], Some("https://env.example.com"));
    assert_passes_rules(
        &from_env,
        "https://env.example.com",
        "ADDIN_ORIGIN-rendered",
    );

    let flag_wins = render_to(
        dir.path(),
        &["--origin", "https://flag.example.com:8443"],
        Some("https://env.example.com"),
    );
    assert_passes_rules(
        &flag_wins,
        "https://flag.example.com:8443",
        "--origin-rendered",
    );
    assert!(
        !flag_wins.contains("env.example.com"),
        "ADDIN_ORIGIN beat --origin"
    );

    let neither = render_to(dir.path(), &[], None);
    assert_eq!(
        neither,
        development_manifest(),
        "with no origin given the development one stays"
    );
}

// The default output is addin/dist/, which the proxy serves. Rendering into
// the real checkout would race with builds, so run a copy of the script in a
// scratch tree laid out like the repository.
#[test]
fn renderer_writes_addin_dist_by_default() {
    let tree = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(tree.path().join("scripts")).expect("mkdir scripts");
    let script = tree.path().join("scripts/render-manifest.mjs");
    std::fs::copy(repo_root().join("scripts/render-manifest.mjs"), &script).expect("copy script");
    std::fs::write(tree.path().join("manifest.xml"), development_manifest())
        .expect("copy manifest");

    let output = run_renderer_script(&script, &[], Some(PROD_ORIGIN));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(tree.path().join("addin/dist/manifest.xml"))
        .expect("the renderer wrote addin/dist/manifest.xml");
    assert_passes_rules(&written, PROD_ORIGIN, "default-path");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CaughtBy {
    Schema,
    /// The rule of this name in RULES.
    Rule(&'static str),
}

struct Mutation {
    name: &'static str,
    from: String,
    to: String,
    by: CaughtBy,
}

fn mutation(name: &'static str, from: &str, to: &str, by: CaughtBy) -> Mutation {
    Mutation {
        name,
        from: from.to_string(),
        to: to.to_string(),
        by,
    }
}

/// Each mutation of a good production manifest must be caught by the schema
/// or by the very rule named, proving each check can fail on its own.
#[test]
fn mutations_are_caught() {
    use CaughtBy::{Rule, Schema};
    let good = production_manifest();
    assert!(
        xmllint_text(&good).is_ok(),
        "the unmutated manifest must validate"
    );
    assert!(
        rule_violations(&good, PROD_ORIGIN).is_empty(),
        "the unmutated manifest must pass the rules"
    );

    let p = PROD_ORIGIN;
    let mutations = [
        mutation(
            "dangling resid",
            r#"resid="Taskpane.Url""#,
            r#"resid="Taskpane.Gone""#,
            Rule("every resid resolves to the right kind of resource"),
        ),
        mutation(
            "label resid pointing at a URL",
            r#"<Label resid="OpenPane.Label"/>"#,
            r#"<Label resid="Help.Url"/>"#,
            Rule("every resid resolves to the right kind of resource"),
        ),
        mutation(
            "tooltip resid pointing at a short string",
            r#"<Description resid="OpenPane.Tooltip"/>"#,
            r#"<Description resid="Group.Label"/>"#,
            Rule("every resid resolves to the right kind of resource"),
        ),
        mutation(
            "duplicated resource id",
            r#"<bt:Url id="Help.Url""#,
            &format!(r#"<bt:Url id="Help.Url" DefaultValue="{p}/x"/><bt:Url id="Help.Url""#),
            Rule("every resid resolves to the right kind of resource"),
        ),
        mutation(
            "resid longer than 32 characters",
            r#"resid="Group.Label""#,
            r#"resid="Group.Label.That.Is.Too.Long.For.Office""#,
            Schema,
        ),
        mutation(
            "Permissions=Everything",
            "ReadWriteDocument<",
            "Everything<",
            Schema,
        ),
        mutation(
            "Permissions=ReadDocument",
            "ReadWriteDocument<",
            "ReadDocument<",
            Rule("Permissions is ReadWriteDocument"),
        ),
        mutation(
            "made-up Host Name",
            r#"Name="Workbook""#,
            r#"Name="Spreadsheetz""#,
            Rule("classic Hosts is exactly Workbook"),
        ),
        mutation(
            "Word instead of Excel in VersionOverrides",
            r#"<Host xsi:type="Workbook">"#,
            r#"<Host xsi:type="Document">"#,
            Rule("VersionOverrides Hosts is exactly Workbook"),
        ),
        mutation(
            "unknown tab id",
            r#"id="TabHome""#,
            r#"id="TabNoSuchTab""#,
            Rule("ribbon button on TabHome opens the task pane"),
        ),
        mutation(
            "misspelt requirement set",
            r#"Name="ExcelApi""#,
            r#"Name="ExcelAPI""#,
            Rule("requirement set is ExcelApi"),
        ),
        mutation(
            "unknown action",
            r#""ShowTaskpane""#,
            r#""NoSuchAction""#,
            Schema,
        ),
        mutation(
            "non-GUID Id",
            "<Id>b1cab5e6-fb6f-42e2-a7d6-e0d19372ad09</Id>",
            "<Id>ledgerlight</Id>",
            Schema,
        ),
        mutation(
            "http icon",
            &format!("{p}/icons/icon-80.png"),
            "http://addin.example.com/icons/icon-80.png",
            Rule("every URL is https on the origin"),
        ),
        mutation(
            "support page on another host",
            &format!(r#"<SupportUrl DefaultValue="{p}/index.html#help"/>"#),
            r#"<SupportUrl DefaultValue="https://elsewhere.example.net/help"/>"#,
            Rule("every URL is https on the origin"),
        ),
        mutation(
            "leftover localhost URL",
            &format!("{p}/icons/icon-16.png"),
            "https://localhost:3000/icons/icon-16.png",
            Rule("every URL is https on the origin"),
        ),
        mutation(
            "wildcard AppDomain",
            &format!("<AppDomain>{p}</AppDomain>"),
            "<AppDomain>https://*.example.com</AppDomain>",
            Rule("AppDomains is exactly the origin"),
        ),
        mutation(
            "extra AppDomain",
            &format!("<AppDomain>{p}</AppDomain>"),
            &format!("<AppDomain>{p}</AppDomain><AppDomain>https://cdn.example.net</AppDomain>"),
            Rule("AppDomains is exactly the origin"),
        ),
        mutation(
            "button without its 80 px icon",
            "<bt:Image size=\"80\" resid=\"Icon.80\"/>\n                  </Icon>\n                  <Action",
            "</Icon>\n                  <Action",
            Rule("ribbon icons come in 16, 32 and 80"),
        ),
        mutation(
            "size 32 slot showing the 80 px image",
            r#"<bt:Image size="32" resid="Icon.32"/>"#,
            r#"<bt:Image size="32" resid="Icon.80"/>"#,
            Rule("image resources match their declared size"),
        ),
        mutation(
            "IconUrl at the 64 px icon",
            &format!(r#"<IconUrl DefaultValue="{p}/icons/icon-32.png"/>"#),
            &format!(r#"<IconUrl DefaultValue="{p}/icons/icon-64.png"/>"#),
            Rule("list icons are the 32 and 64 px ones"),
        ),
        mutation(
            "button opening another page",
            &format!(r#"<bt:Url id="Taskpane.Url" DefaultValue="{p}/index.html"/>"#),
            &format!(r#"<bt:Url id="Taskpane.Url" DefaultValue="{p}/other.html"/>"#),
            Rule("ribbon button on TabHome opens the task pane"),
        ),
    ];

    let mut missed = Vec::new();
    for Mutation { name, from, to, by } in mutations {
        // A mutation that matches nothing would "pass" without testing anything.
        assert!(
            good.contains(&from),
            "mutation {name:?}: {from:?} not found in the manifest"
        );
        let bad = good.replacen(&from, &to, 1);
        let caught = match by {
            Schema => xmllint_text(&bad).is_err(),
            Rule(rule) => {
                assert!(
                    RULES.iter().any(|(known, _)| *known == rule),
                    "mutation {name:?} names no rule: {rule:?}"
                );
                rule_violations(&bad, PROD_ORIGIN)
                    .iter()
                    .any(|v| v.starts_with(&format!("{rule}: ")))
            }
        };
        if !caught {
            missed.push(format!("{name} (expected {by:?} to catch it)"));
        }
    }
    assert!(
        missed.is_empty(),
        "mutations not caught:\n  {}",
        missed.join("\n  ")
    );
}
