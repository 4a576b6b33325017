import TallyCore

/// The last line of an export.
public struct ExportTrailer: Codable, Sendable, Equatable {
    public var type = ExportFormat.trailerType
    /// The number of records between the header and this line.
    public var records: Int

    public init(records: Int) { self.records = records }
}
