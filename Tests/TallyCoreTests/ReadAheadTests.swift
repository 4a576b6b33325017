import Synchronization
import Testing

@testable import TallyCore

/// `ReadAhead` hands out a source's chunks, and the error that ends them, in order, reading at
/// most its depth ahead, and stops reading when told.
@Suite struct ReadAheadTests {
    /// Chunks of `count` existing realms, then the end or `failure`; counts the calls to `next`.
    final class Numbered: LoadSource, Sendable {
        let count: Int
        let failure: TallyError?
        let calls = Mutex(0)

        init(_ count: Int, failure: TallyError? = nil) {
            self.count = count
            self.failure = failure
        }

        func next() throws -> LoadChunk? {
            let call = calls.withLock { value in
                value += 1
                return value
            }
            guard call <= count else {
                if let failure { throw failure }
                return nil
            }
            return .existingRealm(RealmID(String(format: "%024x", call))!)
        }
    }

    static func realm(_ chunk: LoadChunk?) -> RealmID? {
        guard case .existingRealm(let realm) = chunk else { return nil }
        return realm
    }

    @Test func chunksComeInOrderThenTheEndForEveryAsking() throws {
        let ahead = ReadAhead(Numbered(50), depth: 3)
        defer { ahead.stop() }
        for index in 1...50 {
            #expect(Self.realm(try ahead.next()) == RealmID(String(format: "%024x", index)))
        }
        #expect(try ahead.next() == nil)
        #expect(try ahead.next() == nil, "the end stays the end")
    }

    @Test func theSourcesErrorComesAfterTheChunksBeforeIt() throws {
        let ahead = ReadAhead(Numbered(3, failure: .validation("CSV line 5: bad.")))
        defer { ahead.stop() }
        for _ in 0..<3 { #expect(try ahead.next() != nil) }
        let error = #expect(throws: TallyError.self) { try ahead.next() }
        #expect(error?.message == "CSV line 5: bad.")
        #expect(throws: TallyError.self) { try ahead.next() }
    }

    @Test func itReadsAtMostItsDepthAheadAndStopsWhenTold() async throws {
        let source = Numbered(1_000_000)
        let ahead = ReadAhead(source, depth: 2)
        _ = try ahead.next()
        // One chunk taken, two more ready, and no more read while nobody takes them.
        while source.calls.withLock({ $0 }) < 3 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(source.calls.withLock { $0 } == 3)
        ahead.stop()
        try await Task.sleep(for: .milliseconds(50))
        #expect(source.calls.withLock { $0 } == 3, "a stopped reader reads no more")
    }
}
