/// An error the `record` closure of an export threw, carried through a store's transaction so
/// that the store rethrows it as it was rather than as a storage failure.
public struct ExportInterruption: Error {
    /// What `record` threw.
    public let error: any Error

    /// Carries `error`.
    public init(error: any Error) { self.error = error }

    /// Calls `record` with `value`, wrapping what it throws.
    public static func emit(
        _ value: StoredRecord, to record: @Sendable (StoredRecord) throws -> Void
    ) throws {
        do {
            try record(value)
        } catch {
            throw ExportInterruption(error: error)
        }
    }
}
