/// How hard a commit presses on the disk before the store answers.
public enum SQLiteDurability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: a commit survives power loss once acknowledged (the default).
    case full
    /// `synchronous=NORMAL`: survives a process crash; the last commits may be lost on power loss.
    case normal

    var pragma: String {
        switch self {
        case .full: "FULL"
        case .normal: "NORMAL"
        }
    }
}
