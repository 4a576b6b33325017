/// What build this is: reported by `tally_build_info` on `/metrics`.
public enum TallyVersion {
    /// The release version.
    public static let version = "0.1.0"
    /// The source commit the binary was built from; "unknown" until the build stamps it.
    public static let commit = "unknown"
}
