/// Tally's version. The commit a binary was built from is stamped into the command line at build
/// time (`tally --version`) and passed to `/metrics` (`tally_build_info{version,commit}`).
public enum TallyVersion {
    /// The release this source tree is.
    public static let version = "0.2.0"
}
