/** Delivery states: in flight (or waiting to retry), delivered, or given up. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
/** One of DELIVERY_STATUSES. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One notification to one subscription, as the delivery log keeps it. */
export interface DeliveryRecord {
  id: string;
  /** The subscription's name in runway.yaml. */
  subscription: string;
  kind: string;
  event: string;
  service: string;
  environment?: string;
  runId?: number;
  rolloutId?: string;
  title: string;
  status: DeliveryStatus;
  attempts: number;
  /** The last failure, if any. */
  error?: string;
  createdAt: string;
  updatedAt: string;
}
