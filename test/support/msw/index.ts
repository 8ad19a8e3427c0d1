// msw handlers built from the contracts, and a Transport msw can see. See contract-mock.ts.
export { contractMock, retryAfterValue, type ContractMock, type ContractMockOptions, type Fault, type MockCall, type ResponseChoice } from './contract-mock.ts';
export { FetchTransport, type FetchTransportOptions } from './fetch-transport.ts';
