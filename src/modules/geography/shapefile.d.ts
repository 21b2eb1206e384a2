// The part of the `shapefile` package (0.6.x, ships no types) the geography import uses.
declare module 'shapefile' {
  export function read(
    shp: ArrayBuffer | Uint8Array,
    dbf?: ArrayBuffer | Uint8Array,
    options?: { encoding?: string },
  ): Promise<{ type: 'FeatureCollection'; bbox?: number[]; features: { type: 'Feature'; properties: Record<string, unknown> | null; geometry: unknown }[] }>;
}
