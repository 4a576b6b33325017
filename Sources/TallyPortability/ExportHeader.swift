import TallyCore

/// The first line of an export.
public struct ExportHeader: Codable, Sendable, Equatable {
    public var type = ExportFormat.headerType
    /// The format version (`ExportFormat.version`).
    public var format: Int
    /// The version of the Tally that wrote it.
    public var tallyVersion: String
    /// When it was written, in milliseconds since 1970.
    public var exportedAt: Int64
    /// The realm exported, or nil for every realm.
    public var realm: String?
    /// Whether the journal is in it.
    public var journal: Bool
    /// Whether API keys (their hashes) are in it.
    public var keys: Bool

    public init(selection: ExportSelection, exportedAt: Int64) {
        format = ExportFormat.version
        tallyVersion = TallyVersion.version
        self.exportedAt = exportedAt
        realm = selection.realm?.rawValue
        journal = selection.journal
        keys = selection.keys
    }
}
