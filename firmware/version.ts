/** Version of the device layer, reported in the box's status (`fw`). */
export const DEVICE_LAYER_VERSION = '0.1.0'
