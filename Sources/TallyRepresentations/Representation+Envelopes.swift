import TallyCore

extension Representation {
    /// DRIP's offset pagination `meta`.
    public struct OffsetMeta: Encodable, Sendable {
        public let total: Int
        public let page: Int
        public let limit: Int
        public let totalPages: Int

        /// The counts of `page`.
        public init<T>(_ page: Page<T>) {
            total = page.total
            self.page = page.page
            limit = page.limit
            totalPages = page.totalPages
        }
    }

    /// `{"data": …}`.
    public struct DataBody<T: Encodable & Sendable>: Encodable, Sendable {
        public let data: T
        /// Wraps `data`.
        public init(_ data: T) { self.data = data }
    }

    /// `{"data": [...], "meta": {...}}`.
    public struct ListBody<T: Encodable & Sendable, Meta: Encodable & Sendable>: Encodable, Sendable {
        public let data: [T]
        public let meta: Meta
        /// Wraps one page of `data` with its `meta`.
        public init(_ data: [T], meta: Meta) {
            self.data = data
            self.meta = meta
        }
    }
}
