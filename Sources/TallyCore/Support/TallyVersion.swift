/// Tally's version. The commit a binary was built from is stamped into the command line at build
/// time (`tally --version`) and passed to `/metrics` (`tally_build_info{version,commit}`).
public enum TallyVersion {
    /// The release this source tree is.
    public static let version = "0.2.0"
}

extension TallyVersion {
    /// Whether the dotted version `version` (such as `0.10.1`) is newer than `other`, comparing
    /// numbers part by part; a part that is not a number counts as 0.
    public static func isNewer(_ version: String, than other: String) -> Bool {
        func parts(_ text: String) -> [Int] {
            text.split(separator: "-").first.map { $0.split(separator: ".").map { Int($0) ?? 0 } } ?? []
        }
        let (a, b) = (parts(version), parts(other))
        for index in 0..<max(a.count, b.count) {
            let (x, y) = (index < a.count ? a[index] : 0, index < b.count ? b[index] : 0)
            if x != y { return x > y }
        }
        return false
    }
}
